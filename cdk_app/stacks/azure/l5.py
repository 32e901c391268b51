"""L5 dashboards on Azure: Azure Managed Grafana, granted read access to the twin's resources."""

from __future__ import annotations

from cdk_app.config.model import Layer
from cdk_app.stacks.azure.base import AzureLayerStack
from cdk_app.stacks.azure.outputs import AzureDashboardOutputs, AzureHotOutputs, AzureLayerOutputs, AzureTwinOutputs
from constructs_lib.azure.managed_grafana import ManagedGrafana, ManagedGrafanaProps
from twin_contract.wire import TOKEN_HEADER

DATASOURCES_FILE = "grafana/datasources.json"


class AzureDashboardStack(AzureLayerStack):
    def __init__(self, scope, ctx, **kwargs) -> None:
        super().__init__(scope, ctx, **kwargs)
        twin = self.upstream(Layer.L4, AzureTwinOutputs)
        groups = tuple(
            outputs.resource_group_id for layer in Layer if (outputs := self.upstream(layer, AzureLayerOutputs)) is not None
        )
        self.grafana = ManagedGrafana(
            self,
            "Grafana",
            ManagedGrafanaProps(
                self.names, self.location, self.resource_group.name, admin_object_id=self.client.object_id,
                twin_instance_id=twin.twins.instance.id if twin is not None else None,
                monitored_group_ids=(self.resource_group.id, *groups), tags=self.tags,
            ),
        )
        self.write_deploy_file(DATASOURCES_FILE, self.datasources())
        self.outputs = self.layer_outputs(AzureDashboardOutputs)

    def datasources(self) -> dict:
        """The hot-history data source the post-deploy step adds (docs/azure.md): the L4 Digital Twin
        Data Connector when L3 hot is elsewhere, else the Azure hot reader; the token header value
        is read from the named vault secret at deploy time, never written here."""
        twin, hot = self.upstream(Layer.L4, AzureTwinOutputs), self.upstream(Layer.L3_HOT, AzureHotOutputs)
        source = (twin.dashboard if twin is not None else None) or (hot.dashboard if hot is not None else None)
        if source is None:
            return {"datasources": []}
        return {
            "datasources": [
                {
                    "name": f"{self.ctx.twin} hot history",
                    "type": "yesoreyeram-infinity-datasource",
                    "function_app": source.function_app,
                    "route": f"/api/{source.route}",
                    "header": TOKEN_HEADER,
                    "token_vault": source.vault_name,
                    "token_secret": source.token_secret,
                }
            ]
        }
