"""L3 archive on AWS: the oldest data, in `DEEP_ARCHIVE`, kept for good."""

from __future__ import annotations

from aws_cdk import Duration, Environment
from aws_cdk import aws_s3 as s3
from constructs import Construct

from cdk_app.stacks.aws.base import AwsLayerStack
from cdk_app.stacks.aws.outputs import AwsArchiveOutputs
from constructs_lib.aws.l3_hardened_bucket import HardenedBucket, HardenedBucketProps
from twin_contract import functions as contract
from cdk_app.stacks.context import LayerContext


class L3ArchiveStack(AwsLayerStack):
    """Holds `bucket`.

    With cold on AWS the bucket is the destination of the cold bucket's S3 Replication (which
    needs versioning here too, and writes `DEEP_ARCHIVE`); with cold elsewhere the archive writer
    receives the remote cold→archive mover's payloads and writes `DEEP_ARCHIVE` itself.
    """

    def __init__(self, scope: Construct, ctx: LayerContext, **kwargs: Environment) -> None:
        super().__init__(scope, ctx, **kwargs)
        debug = self.ctx.config.twin.debug
        replicated_into = self.bridges.inbound(contract.ARCHIVE_WRITER) is None
        self.bucket = HardenedBucket(
            self,
            "Archive",
            HardenedBucketProps(
                debug=debug,
                versioned=replicated_into,
                # A re-written cold object replicates as a new version; the replaced one goes.
                lifecycle_rules=(
                    (s3.LifecycleRule(id="RemoveReplacedVersions", noncurrent_version_expiration=Duration.days(1)),)
                    if replicated_into
                    else ()
                ),
            ),
        ).bucket
        if not replicated_into:
            self.mover_writer("ArchiveWriter", contract.ARCHIVE_WRITER, self.bucket, contract.ARCHIVE_BUCKET_NAME)
        self.outputs = AwsArchiveOutputs(bucket=self.bucket)
