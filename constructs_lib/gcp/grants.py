"""IAM bindings on single Google resources: the one way our stacks grant an account access.

Why functions, not constructs: each binding is one resource created in the caller's scope under
the caller's id, so its Terraform address is the caller's choice; every grant names one resource
(a topic, a subscription, a bucket), never the project.
"""

from __future__ import annotations

from constructs import Construct

PUBSUB_PUBLISHER = "roles/pubsub.publisher"
PUBSUB_SUBSCRIBER = "roles/pubsub.subscriber"
PUBSUB_VIEWER = "roles/pubsub.viewer"  # on a topic: read it and list its subscriptions
OBJECT_USER = "roles/storage.objectUser"  # create, read, overwrite, delete objects; no IAM changes


def grant_topic(scope: Construct, id: str, *, topic: str, role: str, member: str) -> object:
    from cdktn_provider_google.pubsub_topic_iam_member import PubsubTopicIamMember

    return PubsubTopicIamMember(scope, id, topic=topic, role=role, member=member)


def grant_subscription(scope: Construct, id: str, *, subscription: str, role: str, member: str) -> object:
    from cdktn_provider_google.pubsub_subscription_iam_member import PubsubSubscriptionIamMember

    return PubsubSubscriptionIamMember(scope, id, subscription=subscription, role=role, member=member)


def grant_bucket(scope: Construct, id: str, *, bucket: str, role: str, member: str) -> object:
    from cdktn_provider_google.storage_bucket_iam_member import StorageBucketIamMember

    return StorageBucketIamMember(scope, id, bucket=bucket, role=role, member=member)


def custom_role(
    scope: Construct, id: str, *, project: str | None, role_id: str, title: str, description: str,
    permissions: tuple[str, ...],
) -> str:
    """A project custom role with exactly `permissions`; returns its name for bindings."""
    from cdktn_provider_google.project_iam_custom_role import ProjectIamCustomRole

    return ProjectIamCustomRole(
        scope, id, project=project, role_id=role_id, title=title, description=description, permissions=list(permissions)
    ).name
