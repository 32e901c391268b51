"""Alerts and the health workbook of the Azure stacks (docs/design.md §8).

Each Azure layer stack alerts on what it made: its Function App (failures, poison messages,
bridge failures, all read from the layer's Application Insights) and, on L1, the Event Grid
topic. The first Azure stack in deploy order holds the twin's action group; later stacks name it
by its id, built from names (it was deployed first), so no Terraform state crosses stacks for it.
The last Azure stack holds the workbook over every layer's Application Insights.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from twin_model.config.model import Provider
from cdk_app.stacks.monitoring_places import data_order, last_on
from twin_model.topology import TwinStack
from constructs_lib.azure.alarm_channel import AlarmChannel, AlarmChannelProps, action_group_id
from constructs_lib.azure.health_workbook import HealthWorkbook, HealthWorkbookProps, WorkbookLayer
from constructs_lib.azure.iot_ingestion import IotIngestion
from constructs_lib.azure.layer_alerts import LayerAlerts, LayerAlertsProps
from twin_contract.azure_names import poison_queue_name

if TYPE_CHECKING:
    from cdk_app.stacks.azure.base import AzureLayerStack


@dataclass(frozen=True)
class WatchedAzureLayer:
    stack: TwinStack
    resource_group: str  # names, so the workbook's stack can address them without a reference
    app_insights: str
    poison_queues: tuple[str, ...]


@dataclass(frozen=True)
class AzureHealth:
    """The twin's monitoring on Azure so far: where its action group is and the layers watched."""

    channel_resource_group: str
    layers: tuple[WatchedAzureLayer, ...]


def add_monitoring(stack: AzureLayerStack) -> AzureHealth:
    ctx, names = stack.ctx, stack.names
    earlier = ctx.upstream.health(AzureHealth)
    if earlier is None:
        channel = AlarmChannel(stack, "AlarmChannel", AlarmChannelProps(stack.placement, ctx.config.alarm_email))
        home, group_id = names.resource_group(), channel.action_group.id
    else:
        home = earlier.channel_resource_group
        group_id = action_group_id(stack.client.subscription_id, home, ctx.twin)
    insights = stack.foundation.insights
    queues = tuple(poison_queue_name(queue) for queue in stack.host.queue_ids) if stack.host else ()
    ingestion = [node for node in stack.node.find_all() if isinstance(node, IotIngestion)]
    LayerAlerts(
        stack,
        "Alerts",
        LayerAlertsProps(
            placement=stack.placement,
            action_group_id=group_id,
            app_insights_id=insights.id if insights is not None else None,
            poison_queues=queues,
            event_grid_topic_id=ingestion[0].system_topic.id if ingestion else None,
            # A layer's bridges are sent by its own stack, never by a part split off it.
            bridge_failures=ctx.part is None and any(b.sent_by_function for b in ctx.topology.bridges_sent_by(ctx.layer)),
        ),
    )
    layers = earlier.layers if earlier else ()
    if insights is not None:
        layers += (WatchedAzureLayer(ctx.stack, names.resource_group(), names.plain("insights"), queues),)
    topology = ctx.topology
    if ctx.stack == last_on(topology, Provider.AZURE) and layers:
        subscription = stack.client.subscription_id
        rows = tuple(
            WorkbookLayer(
                watched.stack.title,
                f"/subscriptions/{subscription}/resourceGroups/{watched.resource_group}"
                f"/providers/Microsoft.Insights/components/{watched.app_insights}",
                watched.poison_queues,
            )
            for watched in sorted(layers, key=lambda w: data_order(w.stack))
        )
        sends = any(bridge.sender_cloud is Provider.AZURE and bridge.sent_by_function for bridge in topology.bridges)
        HealthWorkbook(
            stack,
            "HealthWorkbook",
            HealthWorkbookProps(stack.placement, rows, bridges=sends),
        )
    return AzureHealth(home, layers)
