"""L3 cold on AWS: older data in `STANDARD_IA`, archived by S3 Replication when archive is on AWS."""

from __future__ import annotations

from aws_cdk import Environment
from constructs import Construct

from twin_model.config.model import Layer
from cdk_app.stacks.aws.base import AwsLayerStack
from cdk_app.stacks.aws.outputs import AwsArchiveOutputs, AwsColdOutputs
from constructs_lib.aws.l3_cold_storage import ColdStorage, ColdStorageProps
from constructs_lib.aws.l3_cold_to_archive_forwarder import ColdToArchiveForwarder, ColdToArchiveForwarderProps
from twin_contract import functions as contract
from cdk_app.stacks.context import LayerContext


class L3ColdStack(AwsLayerStack):
    """Holds `bucket`. Hot on another cloud adds the cold writer (receiver of the hot→cold bridge);
    archive on another cloud adds the cold→archive forwarder (its sender)."""

    def __init__(self, scope: Construct, ctx: LayerContext, **kwargs: Environment) -> None:
        super().__init__(scope, ctx, **kwargs)
        twin, settings = self.ctx.twin, self.ctx.config.twin
        archived_remotely = self.bridges.reaches(Layer.L3_ARCHIVE)
        archive = (
            None if archived_remotely
            else self.ctx.upstream.require(Layer.L3_ARCHIVE, AwsArchiveOutputs, self.ctx.stack_name).bucket
        )
        self.bucket = ColdStorage(
            self,
            "Cold",
            ColdStorageProps(
                cold_storage_days=settings.cold_storage_size_in_days,
                debug=settings.debug,
                archive_bucket=archive,
                archived_remotely=archived_remotely,
            ),
        ).bucket
        if archived_remotely:
            ColdToArchiveForwarder(
                self,
                "ColdToArchive",
                ColdToArchiveForwarderProps(
                    twin_name=twin,
                    bundle=self.bundles.runtime,
                    cold_bucket=self.bucket,
                    archive_writer=self.bridges.sender(contract.COLD_TO_ARCHIVE),
                    debug=settings.debug,
                ),
            )
        if self.bridges.inbound(contract.COLD_WRITER):
            self.mover_writer("ColdWriter", contract.COLD_WRITER, self.bucket, contract.COLD_BUCKET_NAME)
        self.outputs = AwsColdOutputs(bucket=self.bucket)
