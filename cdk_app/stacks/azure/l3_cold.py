"""L3 cold on Azure: a `cold` container (Cool tier); its writer when the hot tier is elsewhere; the
cold→archive mover when the archive tier is elsewhere. Both tiers on Azure: one account, tiering
by the archive stack's lifecycle policy."""

from __future__ import annotations

from constructs import Construct

from twin_model.config.model import Layer
from cdk_app.stacks.azure.base import AzureLayerStack
from cdk_app.stacks.azure.outputs import AzureArchiveOutputs, AzureColdOutputs
from constructs_lib.azure.blob_tier_store import COLD_CONTAINER, BlobTierStore, BlobTierStoreProps, blob_container, grant_writer
from twin_contract import functions as contract
from twin_contract.registry import URL_KEY
from cdk_app.stacks.context import LayerContext
from cdk_app.stacks.terraform.terraform_settings import TerraformSettings


class AzureColdStack(AzureLayerStack):
    def __init__(self, scope: Construct, ctx: LayerContext, **kwargs: TerraformSettings) -> None:
        super().__init__(scope, ctx, **kwargs)
        archive = self.upstream(Layer.L3_ARCHIVE, AzureArchiveOutputs)
        if archive is not None:
            account_id, blob_endpoint = archive.account_id, archive.blob_endpoint
        else:
            self.store = BlobTierStore(self, "Tiers", BlobTierStoreProps(self.placement))
            account_id, blob_endpoint = self.store.account.id, self.store.blob_endpoint
        container = blob_container(self, "Cold", account_id=account_id, name=COLD_CONTAINER)
        container_url = f"{blob_endpoint}{COLD_CONTAINER}"
        receiving = self.bridges.inbound(contract.COLD_WRITER) is not None  # hot on another cloud
        sending = self.bridges.reaches(Layer.L3_ARCHIVE)  # archive on another cloud
        if receiving or sending:
            grant_writer(self, "FunctionsCold", container_id=container.id, principal_id=self.identity.principal_id)
            functions, settings = [], {contract.COLD_CONTAINER_URL: container_url}
            if receiving:
                functions.append(contract.COLD_WRITER)
                settings[contract.INBOUND_TOKEN_SECRET] = self.bridges.inbound_token(contract.COLD_WRITER)
            if sending:
                functions.append(contract.COLD_TO_ARCHIVE)
                self.bridges.bind_sender(contract.COLD_TO_ARCHIVE, settings)
                settings[contract.COLD_RETENTION_DAYS] = str(self.config.twin.cold_storage_size_in_days)
            host = self.add_function_host(tuple(functions), settings)
            self.bridges.bind_receiver(contract.COLD_WRITER, {URL_KEY: host.function_url(contract.COLD_WRITER.route)})
        # Otherwise the hot tier's mover writes here directly and tiering is native.
        self.outputs = self.layer_outputs(AzureColdOutputs, container_id=container.id, container_url=container_url)
