"""The resource group, managed identity and (with functions) logging workspace of one Azure layer.

Why one resource group per layer stack (`<twin>-<layer>-rg`): every layer is its own Terraform
stack with its own state, deployed and destroyed on its own; a group owned by one stack and
borrowed by the others would make destroying that stack fail (non-empty group) or delete the
other layers' resources. The `digital-twin` tag on every group finds the whole twin.

Why one user-assigned identity per layer: the layer's functions and services act as this
identity, and each grant names it, so a layer gets only the roles its own code needs and the
principal exists before the function app (grants and app are created in one apply).

Why the workspace follows the mode: the functions' logs (JSON lines with the trace ids that follow
a record across clouds) are kept 30 days in DEBUG (the Log Analytics minimum) and 90 in
PRODUCTION, as the AWS log groups keep theirs (1 week / 3 months); a layer without functions gets
no workspace. Application Insights exists in every mode where functions run: the layer's alerts
(function failures, poison messages, bridge failures) query it.
"""

from __future__ import annotations

from typing import Any

from dataclasses import dataclass

from constructs import Construct

from constructs_lib.azure.naming import AzureNames
from constructs_lib.azure.placement import AzurePlacement

DEBUG_LOG_RETENTION_DAYS = 30  # the Log Analytics minimum for PerGB2018
LOG_RETENTION_DAYS = 90


@dataclass(frozen=True)
class LayerFoundationProps:
    names: AzureNames
    location: str
    tags: tuple[tuple[str, str], ...]
    debug: bool


class LayerFoundation(Construct):
    """Exposes `resource_group`, `placement` (the layer's names, region, group and tags, for every
    other resource of the layer), `identity`, `app_insights()` (made on first use) and `insights`
    (None until then: the layer runs no functions)."""

    def __init__(self, scope: Construct, id: str, props: LayerFoundationProps) -> None:
        super().__init__(scope, id)
        from cdktn_provider_azurerm.resource_group import ResourceGroup
        from cdktn_provider_azurerm.user_assigned_identity import UserAssignedIdentity

        names = props.names
        self.resource_group = ResourceGroup(
            self, "ResourceGroup", name=names.resource_group(), location=props.location, tags=dict(props.tags)
        )
        self.placement = AzurePlacement(names, props.location, self.resource_group.name, props.tags)
        self.identity = UserAssignedIdentity(self, "Identity", name=names.plain("id"), **self.placement.resource_args())
        self._debug, self._insights = props.debug, None

    def app_insights(self) -> Any:  # an ApplicationInsights
        """The layer's Application Insights on a Log Analytics workspace, retention by mode."""
        from cdktn_provider_azurerm.application_insights import ApplicationInsights
        from cdktn_provider_azurerm.log_analytics_workspace import LogAnalyticsWorkspace

        if self._insights is None:
            placement = self.placement
            workspace = LogAnalyticsWorkspace(
                self,
                "Logs",
                name=placement.names.plain("logs"),
                **placement.resource_args(),
                sku="PerGB2018",
                retention_in_days=DEBUG_LOG_RETENTION_DAYS if self._debug else LOG_RETENTION_DAYS,
            )
            self._insights = ApplicationInsights(
                self,
                "Insights",
                name=placement.names.plain("insights"),
                **placement.resource_args(),
                workspace_id=workspace.id,
                application_type="other",
            )
        return self._insights

    @property
    def insights(self) -> Any:  # an ApplicationInsights, or None
        return self._insights
