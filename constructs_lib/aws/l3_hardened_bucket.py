"""The one S3 bucket shape of the twin: cold and archive storage and the TwinMaker workspace bucket.

Hardening is decided here once: SSE-S3, all public access blocked, TLS-only bucket policy, no ACLs.
In DEBUG mode the bucket and its objects are destroyed with the stack (a non-empty bucket would
otherwise block the stack's deletion); in PRODUCTION the bucket and its data outlive the stack.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Acknowledgment, RemovalPolicy, Validations
from aws_cdk import aws_s3 as s3
from constructs import Construct


@dataclass(frozen=True)
class HardenedBucketProps:
    debug: bool
    # Versioning is required on both ends of S3 Replication; elsewhere it only adds cost.
    versioned: bool = False
    lifecycle_rules: tuple[s3.LifecycleRule, ...] = ()
    replication_rules: tuple[s3.ReplicationRule, ...] = ()
    cors_rules: tuple[s3.CorsRule, ...] = ()


class HardenedBucket(Construct):
    """Exposes `bucket`."""

    def __init__(self, scope: Construct, id: str, props: HardenedBucketProps) -> None:
        super().__init__(scope, id)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            versioned=props.versioned or None,
            lifecycle_rules=list(props.lifecycle_rules) or None,
            replication_rules=list(props.replication_rules) or None,
            cors=list(props.cors_rules) or None,
            removal_policy=RemovalPolicy.DESTROY if props.debug else RemovalPolicy.RETAIN,
            auto_delete_objects=props.debug,
        )
        Validations.of(self).acknowledge(
            Acknowledgment(
                id="AwsSolutions-S1",
                reason=(
                    "Only the twin's own roles (writer functions, S3 Replication, TwinMaker, Grafana) "
                    "can reach this private bucket, and their calls are recorded by CloudTrail; a "
                    "server-access-log bucket per data bucket would itself need this exception."
                ),
            )
        )
