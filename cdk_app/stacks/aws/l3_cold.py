"""L3 cold on AWS: older data in `STANDARD_IA`, archived by S3 Replication when archive is on AWS."""

from __future__ import annotations

from twin_model.config.model import Layer
from cdk_app.stacks.aws.base import AwsLayerStack
from cdk_app.stacks.aws.outputs import AwsArchiveOutputs, AwsColdOutputs
from twin_model.topology import BridgeKind
from constructs_lib.aws.l3_cold_storage import ColdStorage, ColdStorageProps
from constructs_lib.aws.l3_cold_to_archive_forwarder import ColdToArchiveForwarder, ColdToArchiveForwarderProps
from twin_contract import functions as contract


class L3ColdStack(AwsLayerStack):
    """Holds `bucket`. Hot on another cloud adds the cold writer (receiver of the hot→cold bridge);
    archive on another cloud adds the cold→archive forwarder (its sender)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        twin, settings = self.ctx.twin, self.ctx.config.twin
        topology = self.ctx.topology
        bridge_to_archive = topology.bridge(BridgeKind.COLD_TO_ARCHIVE)
        archive = (
            None if bridge_to_archive
            else self.ctx.upstream.require(Layer.L3_ARCHIVE, AwsArchiveOutputs, self.ctx.stack_name).bucket
        )
        self.bucket = ColdStorage(
            self,
            "Cold",
            ColdStorageProps(
                cold_storage_days=settings.cold_storage_size_in_days,
                debug=settings.debug,
                archive_bucket=archive,
                archived_remotely=bridge_to_archive is not None,
            ),
        ).bucket
        if bridge_to_archive:
            ColdToArchiveForwarder(
                self,
                "ColdToArchive",
                ColdToArchiveForwarderProps(
                    twin_name=twin,
                    bundle=self.bundles.runtime,
                    cold_bucket=self.bucket,
                    archive_writer=self.bridges.sender_of(bridge_to_archive),
                    debug=settings.debug,
                ),
            )
        bridge_from_hot = topology.bridge(BridgeKind.HOT_TO_COLD)
        if bridge_from_hot:
            self.mover_writer("ColdWriter", "cold-writer", self.bucket, contract.COLD_BUCKET_NAME, bridge_from_hot)
        self.outputs = AwsColdOutputs(bucket=self.bucket)
