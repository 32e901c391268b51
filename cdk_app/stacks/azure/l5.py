"""L5 dashboards on Azure: Azure Managed Grafana, granted read access to the twin's resources.

Where the data source reads: with the twin on Azure (L4) the twin's own reader endpoints on Azure
(the Digital Twin Data Connector when L3 hot is elsewhere, else the hot readers) with their
dashboard token; with the twin on another cloud, the L3 hot → L5 dashboard connection, whose token
is copied into this layer's vault like every sender's. The URLs are stack outputs and the
datasources file names the token's vault secret: the post-deploy step (twin_ops/post_deploy/
grafana.py) provisions the data source and the twin's dashboard; no token is written here.
"""

from __future__ import annotations

from typing import Any

from cdktn import TerraformOutput
from constructs import Construct

from twin_model.config.model import Layer
from cdk_app.stacks.azure.base import AzureLayerStack
from cdk_app.stacks.azure.outputs import (
    AzureDashboardOutputs,
    AzureHotOutputs,
    AzureLayerOutputs,
    AzureTwinOutputs,
    DashboardSource,
)
from cdk_app.stacks.outputs import LayerWiringError
from constructs_lib.azure.managed_grafana import ManagedGrafana, ManagedGrafanaProps
from twin_contract import dashboards
from twin_contract import functions as contract
from twin_contract.registry import LAST_ENTRY_URL_KEY, URL_KEY
from twin_contract.wire import TOKEN_HEADER
from cdk_app.stacks.context import LayerContext
from cdk_app.stacks.terraform.terraform_settings import TerraformSettings

DATASOURCES_FILE = dashboards.AZURE_DATASOURCES_FILE


class AzureDashboardStack(AzureLayerStack):
    def __init__(self, scope: Construct, ctx: LayerContext, **kwargs: TerraformSettings) -> None:
        super().__init__(scope, ctx, **kwargs)
        twin = self.upstream(Layer.L4, AzureTwinOutputs)
        groups = tuple(
            outputs.resource_group_id for layer in Layer if (outputs := self.upstream(layer, AzureLayerOutputs)) is not None
        )
        self.grafana = ManagedGrafana(
            self,
            "Grafana",
            ManagedGrafanaProps(
                self.placement, admin_object_id=self.client.object_id,
                twin_instance_id=twin.twins.instance.id if twin is not None else None,
                monitored_group_ids=(self.resource_group.id, *groups),
            ),
        )
        self.source = self._reader_source()
        # Sensitive: the URLs may come from another stack's cross-stack outputs, which CDK Terrain marks
        # sensitive, and Terraform refuses a root output of a sensitive value not marked so.
        TerraformOutput(self, dashboards.AZURE_READER_URL, value=self.source.url, sensitive=True)
        TerraformOutput(self, dashboards.AZURE_READER_LAST_ENTRY_URL, value=self.source.last_entry_url, sensitive=True)
        self.write_deploy_file(DATASOURCES_FILE, self.datasources())
        self.outputs = self.layer_outputs(AzureDashboardOutputs)

    def _reader_source(self) -> DashboardSource:
        settings: dict[str, str] = {}
        bridges = self.bridges.bind_sender(contract.DASHBOARD_SOURCE, settings)
        if bridges:  # the twin is on another cloud: Grafana reads the hot store over this bridge
            bridge = bridges[0]  # one data source reads one hot store
            return DashboardSource(
                settings[bridge.url_setting(URL_KEY)], settings[bridge.url_setting(LAST_ENTRY_URL_KEY)],
                self.names.key_vault(), settings[bridge.token_setting],
            )
        twin, hot = self.upstream(Layer.L4, AzureTwinOutputs), self.upstream(Layer.L3_HOT, AzureHotOutputs)
        source = (twin.dashboard if twin is not None else None) or (hot.dashboard if hot is not None else None)
        if source is None:
            raise LayerWiringError(f"{self.ctx.stack_name}: the twin is on Azure, but no reader endpoint was built for it")
        return source

    def datasources(self) -> dict[str, Any]:
        """What the post-deploy step provisions: the reader data source (URLs from this stack's
        outputs, the token header's value from the named vault secret at deploy time)."""
        return {
            "datasources": [
                {
                    "uid": dashboards.READER_DATASOURCE_UID,
                    "name": f"{self.ctx.twin} hot data",
                    "type": dashboards.INFINITY_PLUGIN,
                    "url_output": dashboards.AZURE_READER_URL,
                    "last_entry_url_output": dashboards.AZURE_READER_LAST_ENTRY_URL,
                    "header": TOKEN_HEADER,
                    "token_vault": self.source.vault_name,
                    "token_secret": self.source.token_secret,
                }
            ]
        }
