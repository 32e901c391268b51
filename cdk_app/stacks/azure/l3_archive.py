"""L3 archive on Azure: the tier store account (shared with an Azure cold tier) and its policy.

Cold on Azure: the account's lifecycle policy moves `cold/` blobs to the Archive tier after
`cold_storage_size_in_days` (no mover). Cold elsewhere: an `archive` container and the archive
writer receiving mover payloads from the cold cloud's cold→archive mover.
"""

from __future__ import annotations

from constructs import Construct

from twin_model.config.model import Layer, Provider
from cdk_app.stacks.azure.base import AzureLayerStack
from cdk_app.stacks.azure.outputs import AzureArchiveOutputs
from constructs_lib.azure.blob_tier_store import ARCHIVE_CONTAINER, BlobTierStore, BlobTierStoreProps, blob_container, grant_writer
from twin_contract import functions as contract
from twin_contract.registry import URL_KEY
from cdk_app.stacks.context import LayerContext
from cdk_app.stacks.terraform.terraform_settings import TerraformSettings


class AzureArchiveStack(AzureLayerStack):
    def __init__(self, scope: Construct, ctx: LayerContext, **kwargs: TerraformSettings) -> None:
        super().__init__(scope, ctx, **kwargs)
        cold_here = self.topology.cloud(Layer.L3_COLD) is Provider.AZURE
        self.store = BlobTierStore(
            self,
            "Tiers",
            BlobTierStoreProps(
                self.placement,
                archive_cold_after_days=self.config.twin.cold_storage_size_in_days if cold_here else None,
            ),
        )
        if self.bridges.inbound(contract.ARCHIVE_WRITER):  # cold on another cloud
            container = blob_container(self, "Archive", account_id=self.store.account.id, name=ARCHIVE_CONTAINER)
            grant_writer(self, "WriterArchive", container_id=container.id, principal_id=self.identity.principal_id)
            host = self.add_function_host(
                (contract.ARCHIVE_WRITER,),
                {
                    contract.INBOUND_TOKEN_SECRET: self.bridges.inbound_token(contract.ARCHIVE_WRITER),
                    contract.ARCHIVE_CONTAINER_URL: f"{self.store.blob_endpoint}{ARCHIVE_CONTAINER}",
                },
            )
            self.bridges.bind_receiver(contract.ARCHIVE_WRITER, {URL_KEY: host.function_url(contract.ARCHIVE_WRITER.route)})
        self.outputs = self.layer_outputs(
            AzureArchiveOutputs, account_id=self.store.account.id, blob_endpoint=self.store.blob_endpoint
        )
