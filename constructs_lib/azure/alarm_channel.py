"""The twin's alarm channel on Azure: one action group every alert of every Azure stack notifies.

Made in the first Azure stack in deploy order, so it exists before any alert that names it; the
optional e-mail receiver (config_user.json admin_email) gets Azure Monitor's common alert schema.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from constructs_lib.azure.placement import AzurePlacement
from twin_contract.monitoring import alarm_channel_name

SHORT_NAME_MAX = 12  # what SMS and e-mail show as the sender


@dataclass(frozen=True)
class AlarmChannelProps:
    placement: AzurePlacement  # the group of the first Azure stack in deploy order
    email: str | None = None


class AlarmChannel(Construct):
    """Exposes `action_group`."""

    def __init__(self, scope: Construct, id: str, props: AlarmChannelProps) -> None:
        super().__init__(scope, id)
        from cdktn_provider_azurerm.monitor_action_group import MonitorActionGroup, MonitorActionGroupEmailReceiver

        twin_name = props.placement.names.twin
        receivers = (
            [MonitorActionGroupEmailReceiver(name="operators", email_address=props.email, use_common_alert_schema=True)]
            if props.email
            else None
        )
        self.action_group = MonitorActionGroup(
            self,
            "ActionGroup",
            name=alarm_channel_name(twin_name),
            resource_group_name=props.placement.resource_group_name,
            location="global",  # action groups are global: only the group and tags come from the placement
            short_name=twin_name[:SHORT_NAME_MAX].rstrip("-"),
            email_receiver=receivers,
            tags=dict(props.placement.tags),
        )


def action_group_id(subscription_id: str, resource_group: str, twin_name: str) -> str:
    """The channel's id from names alone: stacks deployed after its own use it without a
    cross-stack reference (the channel's stack is deployed first)."""
    return (
        f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}"
        f"/providers/Microsoft.Insights/actionGroups/{alarm_channel_name(twin_name)}"
    )
