"""L3 archive on Google: an ARCHIVE bucket, and its writer when the cold tier is elsewhere."""

from __future__ import annotations

from cdktn import TerraformOutput
from constructs import Construct

from cdk_app.stacks.gcp.base import GcpLayerStack
from cdk_app.stacks.gcp.outputs import GcpArchiveOutputs
from constructs_lib.gcp.grants import OBJECT_USER, grant_bucket
from constructs_lib.gcp.tier_bucket import TierBucket, TierBucketProps
from twin_contract import functions as contract
from twin_contract.registry import URL_KEY
from cdk_app.stacks.context import LayerContext
from cdk_app.stacks.terraform.terraform_settings import TerraformSettings


class GcpL3ArchiveStack(GcpLayerStack):
    """Holds `bucket` (TierBucket, ARCHIVE) and `archive_writer` when the cold tier is elsewhere."""

    APIS = ("storage.googleapis.com",)

    def __init__(self, scope: Construct, ctx: LayerContext, **kwargs: TerraformSettings) -> None:
        super().__init__(scope, ctx, **kwargs)
        self.archive_writer = None
        self.bucket = TierBucket(
            self,
            "Archive",
            TierBucketProps(bucket_name=self.bucket_name("archive"), location=self.region, storage_class="ARCHIVE", debug=self.debug),
        )
        writer_bridge = self.bridges.inbound(contract.ARCHIVE_WRITER)  # cold on another cloud
        if writer_bridge is not None:
            grant_bucket(self, "WriterMayUseObjects", bucket=self.bucket.name, role=OBJECT_USER, member=self.account.member)
            self.archive_writer = self.function(
                "ArchiveWriter",
                "archive-writer",
                public=True,
                environment={
                    contract.ARCHIVE_BUCKET_NAME: self.bucket.name,
                    contract.INBOUND_TOKEN_SECRET: self.bridges.inbound_token(contract.ARCHIVE_WRITER),
                },
                description=f"Stores mover payloads from {writer_bridge.sender_cloud.value} ({writer_bridge.connection_id})",
            )
            self.bridges.bind_receiver(contract.ARCHIVE_WRITER, {URL_KEY: self.archive_writer.url})
        TerraformOutput(self, "archive_bucket", value=self.bucket.name)
        self.outputs = GcpArchiveOutputs(endpoints=dict(self.bridges.published))
