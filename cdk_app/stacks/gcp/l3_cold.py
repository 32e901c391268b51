"""L3 cold on Google: a NEARLINE bucket; its writer when hot is elsewhere; the cold→archive mover
when the archive is elsewhere. Archive on Google too: a native, in-place class change to ARCHIVE
(lifecycle rules cannot move objects between buckets, and an in-place change needs no mover)."""

from __future__ import annotations

from cdktn import TerraformOutput
from constructs import Construct

from twin_model.config.model import Layer, Provider
from cdk_app.stacks.gcp.base import GcpLayerStack
from cdk_app.stacks.gcp.outputs import GcpColdOutputs
from constructs_lib.gcp.grants import OBJECT_USER, grant_bucket
from constructs_lib.gcp.tier_bucket import ClassChange, TierBucket, TierBucketProps
from twin_contract import functions as contract
from twin_contract.registry import URL_KEY
from cdk_app.stacks.context import LayerContext
from cdk_app.stacks.terraform.terraform_settings import TerraformSettings


class GcpL3ColdStack(GcpLayerStack):
    """Holds `bucket` (TierBucket, NEARLINE), `cold_writer` and `mover` when they exist."""

    APIS = ("storage.googleapis.com",)

    def __init__(self, scope: Construct, ctx: LayerContext, **kwargs: TerraformSettings) -> None:
        super().__init__(scope, ctx, **kwargs)
        config, topology = ctx.config, ctx.topology
        self.cold_writer = self.mover = None
        archive_here = topology.providers.get(Layer.L3_ARCHIVE) is Provider.GOOGLE  # none: objects stay in cold
        self.bucket = TierBucket(
            self,
            "Cold",
            TierBucketProps(
                bucket_name=self.bucket_name("cold"),
                location=self.region,
                storage_class="NEARLINE",
                class_changes=(ClassChange(config.twin.cold_storage_size_in_days, "ARCHIVE"),) if archive_here else (),
                debug=self.debug,
            ),
        )
        writer_bridge = self.bridges.inbound(contract.COLD_WRITER)  # hot on another cloud
        archived_remotely = self.bridges.reaches(Layer.L3_ARCHIVE)
        if writer_bridge is not None or archived_remotely:
            # The writer and the mover run as the layer's account: objects of this bucket only.
            grant_bucket(self, "LayerMayUseObjects", bucket=self.bucket.name, role=OBJECT_USER, member=self.account.member)

        if writer_bridge is not None:
            self.cold_writer = self.function(
                "ColdWriter",
                "cold-writer",
                public=True,
                environment={
                    contract.COLD_BUCKET_NAME: self.bucket.name,
                    contract.INBOUND_TOKEN_SECRET: self.bridges.inbound_token(contract.COLD_WRITER),
                },
                description=f"Stores mover payloads from {writer_bridge.sender_cloud.value} ({writer_bridge.connection_id})",
            )
            self.bridges.bind_receiver(contract.COLD_WRITER, {URL_KEY: self.cold_writer.url})

        if archived_remotely:
            mover_env = {
                contract.COLD_BUCKET_NAME: self.bucket.name,
                contract.COLD_RETENTION_DAYS: str(config.twin.cold_storage_size_in_days),
            }
            self.bridges.bind_sender(contract.COLD_TO_ARCHIVE, mover_env)
            self.mover = self.scheduled_mover(
                "ColdToArchive",
                "cold-to-archive",
                mover_env,
                "Moves cold objects past the cold window to the archive tier",
            )
        TerraformOutput(self, "cold_bucket", value=self.bucket.name)
        self.outputs = GcpColdOutputs(bucket_name=self.bucket.name, endpoints=dict(self.bridges.published))
