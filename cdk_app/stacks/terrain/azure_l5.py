"""L5 dashboards on Azure: Azure Managed Grafana, granted read access to the twin's resources."""

from __future__ import annotations

from cdk_app.config.model import Layer
from cdk_app.stacks.terrain.azure import AzureLayerStack
from cdk_app.stacks.terrain.azure_l3 import DASHBOARD_READER_SECRET
from cdk_app.stacks.terrain.azure_l4 import DASHBOARD_CONNECTOR_SECRET
from constructs_lib.azure.managed_grafana import ManagedGrafana, ManagedGrafanaProps

DATASOURCES_FILE = "grafana/datasources.json"


class AzureDashboardStack(AzureLayerStack):
    def __init__(self, scope, ctx, **kwargs) -> None:
        super().__init__(scope, ctx, **kwargs)
        twin = self.built_azure(Layer.L4)
        groups = tuple(
            stack.resource_group.id for layer in Layer if (stack := self.built_azure(layer)) is not None
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

    def datasources(self) -> dict:
        """The hot-history data source the post-deploy step adds (docs/azure.md): the L4 Digital Twin
        Data Connector when L3 hot is elsewhere, else the Azure hot reader; the token header value
        is read from the named vault secret at deploy time, never written here."""
        twin, hot = self.built_azure(Layer.L4), self.built_azure(Layer.L3_HOT)
        if twin is not None and twin.reader_url is not None:
            target = (twin, DASHBOARD_CONNECTOR_SECRET, "dt-data-connector")
        elif hot is not None:
            target = (hot, DASHBOARD_READER_SECRET, "hot-reader")
        else:
            return {"datasources": []}
        stack, secret, route = target
        return {
            "datasources": [
                {
                    "name": f"{self.ctx.twin} hot history",
                    "type": "yesoreyeram-infinity-datasource",
                    "function_app": stack.names.global_name("func"),
                    "route": f"/api/{route}",
                    "header": "X-Inter-Cloud-Token",
                    "token_vault": stack.names.key_vault(),
                    "token_secret": secret,
                }
            ]
        }
