"""L3 archive on Azure: the tier store account (shared with an Azure cold tier) and its policy.

Cold on Azure: the account's lifecycle policy moves `cold/` blobs to the Archive tier after
`cold_storage_size_in_days` (no mover). Cold elsewhere: an `archive` container and the archive
writer receiving mover payloads from the cold cloud's cold→archive mover.
"""

from __future__ import annotations

from twin_model.config.model import Layer, Provider
from cdk_app.stacks.azure.base import AzureLayerStack
from cdk_app.stacks.azure.outputs import AzureArchiveOutputs
from twin_model.topology import BridgeKind
from constructs_lib.azure.blob_tier_store import ARCHIVE_CONTAINER, BlobTierStore, BlobTierStoreProps, blob_container, grant_writer
from twin_contract import functions as contract
from twin_contract.registry import URL_KEY


class AzureArchiveStack(AzureLayerStack):
    def __init__(self, scope, ctx, **kwargs) -> None:
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
        bridge = self.topology.bridge(BridgeKind.COLD_TO_ARCHIVE)
        if bridge is not None:
            container = blob_container(self, "Archive", account_id=self.store.account.id, name=ARCHIVE_CONTAINER)
            grant_writer(self, "WriterArchive", container_id=container.id, principal_id=self.identity.principal_id)
            host = self.add_function_host(
                (contract.ARCHIVE_WRITER,),
                {
                    contract.INBOUND_TOKEN_SECRET: self.bridges.inbound_token_secret(bridge),
                    contract.ARCHIVE_CONTAINER_URL: f"{self.store.blob_endpoint}{ARCHIVE_CONTAINER}",
                },
            )
            self.bridges.receive(bridge, {URL_KEY: host.function_url(contract.ARCHIVE_WRITER.route)})
        self.outputs = self.layer_outputs(
            AzureArchiveOutputs, account_id=self.store.account.id, blob_endpoint=self.store.blob_endpoint
        )
