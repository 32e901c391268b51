"""Sender of the cold→archive bridge: archives each new cold object on the remote cloud at once.

Archiving on write is what S3 Replication does when both tiers are on AWS, so in both cases the
cold copy can simply expire after the cold window: no scan, no schedule. S3 invokes the function
asynchronously; failures retry and then land in the function's failure queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aws_cdk import Acknowledgment, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3_notifications
from constructs import Construct

from constructs_lib.aws.nag import BASIC_EXECUTION_FINDING, acknowledge_wildcard_resources, wildcard_resource_finding
from constructs_lib.aws.twin_function import FunctionLink, TwinFunction, TwinFunctionProps
from twin_contract import functions as contract


@dataclass(frozen=True)
class ColdToArchiveForwarderProps:
    twin_name: str
    bundle: Path
    cold_bucket: s3.Bucket
    archive_writer: FunctionLink  # sends on the cold→archive bridge
    debug: bool


class ColdToArchiveForwarder(Construct):
    """Exposes `forwarder` (TwinFunction)."""

    def __init__(self, scope: Construct, id: str, props: ColdToArchiveForwarderProps) -> None:
        super().__init__(scope, id)
        self.forwarder = TwinFunction(
            self,
            "Forwarder",
            TwinFunctionProps(
                twin_name=props.twin_name,
                role_name="cold-to-archive",
                bundle=props.bundle,
                environment={contract.COLD_BUCKET_NAME: props.cold_bucket.bucket_name},
                debug=props.debug,
                timeout_seconds=60,
                async_failure_queue=True,
                description=f"{props.twin_name} L3 cold→archive: new cold objects to the remote archive",
            ),
        )
        function = self.forwarder.function
        props.archive_writer(function)
        objects = props.cold_bucket.arn_for_objects("*")
        iam.Grant.add_to_principal(grantee=function, actions=["s3:GetObject"], resource_arns=[objects])
        acknowledge_wildcard_resources(function, [objects], "it reads whichever cold object S3 reports as new")
        props.cold_bucket.add_event_notification(
            s3.EventType.OBJECT_CREATED, s3_notifications.LambdaDestination(function)
        )
        # CDK configures bucket notifications through its own singleton custom resource.
        handler = next(
            child
            for child in props.cold_bucket.stack.node.children
            if child.node.id.startswith("BucketNotificationsHandler")
        )
        Validations.of(handler).acknowledge(
            Acknowledgment(
                id=BASIC_EXECUTION_FINDING,
                reason="CDK's bucket-notification handler writes only its own logs with this policy",
            ),
            Acknowledgment(
                id=wildcard_resource_finding("*"),
                reason="CDK's bucket-notification handler is granted s3:PutBucketNotification on any bucket by CDK",
            ),
        )
