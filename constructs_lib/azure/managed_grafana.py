"""L5 on Azure: Azure Managed Grafana with its own identity, granted read access to the twin only.

Why these grants: Grafana's system identity reads Azure Digital Twins (Data Reader on the twin
instance) and Azure Monitor metrics of the twin's resource groups (Monitoring Reader on each
group), nothing subscription-wide; the deploying principal becomes Grafana Admin so the
post-deploy step can add the hot-reader data source (docs/azure.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from constructs_lib.azure import roles
from constructs_lib.azure.placement import AzurePlacement

GRAFANA_MAJOR_VERSION = "11"


@dataclass(frozen=True)
class ManagedGrafanaProps:
    placement: AzurePlacement
    admin_object_id: str
    twin_instance_id: str | None  # Azure Digital Twins instance (L4 on Azure)
    monitored_group_ids: tuple[str, ...] = ()


class ManagedGrafana(Construct):
    """Exposes `grafana` and `endpoint`."""

    def __init__(self, scope: Construct, id: str, props: ManagedGrafanaProps) -> None:
        super().__init__(scope, id)
        from cdktn_provider_azurerm.dashboard_grafana import DashboardGrafana

        self.grafana = DashboardGrafana(
            self,
            "Grafana",
            name=props.placement.names.grafana(),
            **props.placement.resource_args(),
            grafana_major_version=GRAFANA_MAJOR_VERSION,
            sku="Standard",
            api_key_enabled=False,
            identity={"type": "SystemAssigned"},
        )
        self.endpoint = self.grafana.endpoint
        principal = self.grafana.identity.principal_id
        admin = roles.grant(self, "Admin", role=roles.GRAFANA_ADMIN, principal_id=props.admin_object_id,
                            resource_id=self.grafana.id)
        admin.add_override("principal_type", None)
        if props.twin_instance_id:
            roles.grant(self, "ReadsTwin", role=roles.ADT_DATA_READER, principal_id=principal,
                        resource_id=props.twin_instance_id)
        for index, group_id in enumerate(props.monitored_group_ids):
            roles.grant(self, f"Monitors{index}", role=roles.MONITORING_READER, principal_id=principal,
                        resource_id=group_id)
