"""L4 on Azure: an Azure Digital Twins instance and the identities allowed to read or update it.

Why `grant` takes the caller's scope: L4 is deployed before L2 and L5, so the persister's stack (L2)
and the dashboards' stack (L5) grant their own identities access to this instance: Data Owner to
update twins (persister, ADT updater), Data Reader to read them (Grafana), nothing broader.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from constructs_lib.azure import roles
from constructs_lib.azure.placement import AzurePlacement


@dataclass(frozen=True)
class DigitalTwinsProps:
    placement: AzurePlacement


class DigitalTwins(Construct):
    """Exposes `instance` and `url` (https://<host name>); `grant(...)` adds data-plane roles."""

    def __init__(self, scope: Construct, id: str, props: DigitalTwinsProps) -> None:
        super().__init__(scope, id)
        from cdktn_provider_azurerm.digital_twins_instance import DigitalTwinsInstance

        self.instance = DigitalTwinsInstance(
            self,
            "Instance",
            name=props.placement.names.global_name("adt", 63),
            **props.placement.resource_args(),
            identity={"type": "SystemAssigned"},
        )
        self.url = f"https://{self.instance.host_name}"

    def grant(self, scope: Construct, id: str, principal_id: str, *, write: bool) -> None:
        role = roles.ADT_DATA_OWNER if write else roles.ADT_DATA_READER
        roles.grant(scope, id, role=role, principal_id=principal_id, resource_id=self.instance.id)
