"""L3 hot on Azure: Cosmos DB, the hot readers, the hot→cold mover (with a cold tier), and bridge receivers.

Readers always check a token: the L3→L4 bridge token when L4 is elsewhere, otherwise a dashboard
reader token (for Grafana on L5 with the twin on Azure) generated here. Grafana on another cloud
than the twin gets dashboard readers of its own (the L3 hot → L5 dashboard connection).
"""

from __future__ import annotations

from constructs import Construct

from twin_model.config.model import Layer
from cdk_app.stacks.azure.base import AzureLayerStack
from cdk_app.stacks.azure.outputs import AzureColdOutputs, AzureHotOutputs, DashboardSource
from constructs_lib.azure.blob_tier_store import grant_writer
from constructs_lib.azure.cosmos_hot_store import CosmosHotStore, CosmosHotStoreProps
from constructs_lib.tokens import generated_token
from twin_contract import functions as contract
from twin_contract.registry import LAST_ENTRY_URL_KEY, URL_KEY
from cdk_app.stacks.context import LayerContext
from cdk_app.stacks.terraform.terraform_settings import TerraformSettings

DASHBOARD_READER_SECRET = "dashboard-reader-token"


class AzureHotStack(AzureLayerStack):
    def __init__(self, scope: Construct, ctx: LayerContext, **kwargs: TerraformSettings) -> None:
        super().__init__(scope, ctx, **kwargs)
        twin = self.config.twin
        hot_store = CosmosHotStore(
            self,
            "Hot",
            CosmosHotStoreProps(self.placement, twin.hot_storage_size_in_days),
        )
        hot_store.grant(self, "FunctionsCosmos", self.identity.principal_id, write=True)
        settings = {
            contract.COSMOS_ENDPOINT: hot_store.endpoint,
            contract.COSMOS_DATABASE: hot_store.database_name,
            contract.COSMOS_CONTAINER: hot_store.container_name,
            contract.HOT_RETENTION_DAYS: str(twin.hot_storage_size_in_days),
        }
        functions = [contract.HOT_READER]
        if self.topology.placed(Layer.L3_COLD):  # no cold tier: records expire by their TTL, nothing moves them
            functions.append(contract.HOT_TO_COLD)
        vault = self.ensure_vault()
        if self.bridges.inbound(contract.HOT_READER):  # L4 on another cloud reads over its bridge
            reader_secret = settings[contract.INBOUND_TOKEN_SECRET] = self.bridges.inbound_token(contract.HOT_READER)
        else:
            token = generated_token(self, "DashboardReaderToken")
            reader_secret = settings[contract.INBOUND_TOKEN_SECRET] = vault.secret(
                self, "DashboardReaderSecret", name=DASHBOARD_READER_SECRET, value=token,
                content_type="token of the hot reader for dashboards (L5)",
            )
        # One app, several receivers: each has a token setting of its own.
        if self.bridges.inbound(contract.DASHBOARD_READER):  # Grafana not on the twin's cloud: readers with a token of their own
            functions.append(contract.DASHBOARD_READER)
            settings[contract.DASHBOARD_TOKEN_SECRET] = self.bridges.inbound_token(contract.DASHBOARD_READER)
        if self.bridges.inbound(contract.HOT_WRITER):  # L2 on another cloud
            functions.append(contract.HOT_WRITER)
            settings[contract.WRITER_TOKEN_SECRET] = self.bridges.inbound_token(contract.HOT_WRITER)
        if self.bridges.reaches(Layer.L3_COLD):
            self.bridges.bind_sender(contract.HOT_TO_COLD, settings)
        elif self.topology.placed(Layer.L3_COLD):
            cold = self.require(Layer.L3_COLD, AzureColdOutputs)
            grant_writer(self, "MoverWritesCold", container_id=cold.container_id, principal_id=self.identity.principal_id)
            settings[contract.COLD_CONTAINER_URL] = cold.container_url
        host = self.add_function_host(tuple(functions), settings)
        # Each receiving function, bound to the bridge its role receives here if the topology made one.
        self.bridges.bind_receiver(
            contract.HOT_READER,
            {
                URL_KEY: host.function_url(contract.HOT_READER.route),
                LAST_ENTRY_URL_KEY: host.function_url(contract.HOT_READER_LAST_ENTRY.route),
            },
        )
        self.bridges.bind_receiver(contract.HOT_WRITER, {URL_KEY: host.function_url(contract.HOT_WRITER.route)})
        self.bridges.bind_receiver(
            contract.DASHBOARD_READER,
            {
                URL_KEY: host.function_url(contract.DASHBOARD_READER.route),
                LAST_ENTRY_URL_KEY: host.function_url(contract.DASHBOARD_READER_LAST_ENTRY.route),
            },
        )
        self.outputs = self.layer_outputs(
            AzureHotOutputs,
            hot_store=hot_store,
            dashboard=DashboardSource(
                host.function_url(contract.HOT_READER.route),
                host.function_url(contract.HOT_READER_LAST_ENTRY.route),
                self.names.key_vault(),
                reader_secret,
            ),
        )
