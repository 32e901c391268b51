"""Alert policies and the health dashboard of the Google stacks (docs/design.md §8).

Each Google layer stack alerts on what it made, found in its own construct tree once it is built:
its functions' errors and throttles, its dead-letter subscriptions. The first Google stack in
deploy order holds the twin's notification channels (Cloud Monitoring gives them generated ids,
which later stacks read as CDK Terrain cross-stack references) and the bridges' log-based metrics
and alert; the last holds the dashboard, drawn from the layers the earlier stacks watched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cdktn_provider_google.cloudfunctions2_function import Cloudfunctions2Function

from twin_model.config.model import Provider
from cdk_app.stacks.monitoring_places import data_order, last_on
from twin_model.topology import TwinStack
from constructs_lib.gcp.alarm_channel import AlarmChannel, AlarmChannelProps
from constructs_lib.gcp.bridge_metrics import BridgeMetricNames, BridgeMetrics, BridgeMetricsProps
from constructs_lib.gcp.health_dashboard import DashboardLayer, HealthDashboard, HealthDashboardProps
from constructs_lib.gcp.layer_alerts import LayerAlerts, LayerAlertsProps
from constructs_lib.gcp.telemetry_topic import TelemetryTopic

if TYPE_CHECKING:
    from cdk_app.stacks.gcp.base import GcpLayerStack

MONITORING_APIS = ("monitoring.googleapis.com", "logging.googleapis.com", "pubsub.googleapis.com")


@dataclass(frozen=True)
class GcpHealth:
    """The twin's monitoring on Google so far: its notification channels and the stacks watched."""

    channels: tuple[str, ...]
    layers: tuple[tuple[TwinStack, DashboardLayer], ...]


def add_monitoring(stack: GcpLayerStack) -> GcpHealth:
    ctx, topology = stack.ctx, stack.ctx.topology
    stack.require_apis(*MONITORING_APIS)
    earlier = ctx.upstream.health(GcpHealth)
    sends = any(bridge.sender_cloud is Provider.GOOGLE and bridge.sent_by_function for bridge in topology.bridges)
    names = BridgeMetricNames.of(ctx.twin)
    bridge_failures = None
    if earlier is None:
        channels = tuple(AlarmChannel(stack, "AlarmChannel", AlarmChannelProps(
            ctx.twin, stack.name("alarms"), ctx.config.alarm_email)).channels)
        if sends:
            BridgeMetrics(stack, "BridgeMetrics", BridgeMetricsProps(ctx.twin))
            bridge_failures = names.metric_type(names.failures)
    else:
        channels = earlier.channels
    own = watched_layer(stack, ctx.stack.title)
    LayerAlerts(stack, "Alerts", LayerAlertsProps(
        f"{ctx.twin} {ctx.stack.suffix}", channels, own.services, own.dead_letter_subscriptions, bridge_failures))
    layers = (earlier.layers if earlier else ()) + ((ctx.stack, own),)
    if ctx.stack == last_on(topology, Provider.GOOGLE):
        rows = tuple(watched for _, watched in sorted(layers, key=lambda pair: data_order(pair[0])))
        metrics = tuple(names.metric_type(n) for n in (names.failures, names.retried, names.latency)) if sends else None
        HealthDashboard(stack, "HealthDashboard", HealthDashboardProps(ctx.twin, rows, metrics))
    return GcpHealth(channels, layers)


def watched_layer(stack: GcpLayerStack, title: str) -> DashboardLayer:
    """Every function and dead-letter subscription the stack made, by name."""
    services, subscriptions = [], []
    for node in stack.node.find_all():
        if isinstance(node, Cloudfunctions2Function) and isinstance(node.name_input, str):
            services.append(node.name_input)  # gen2: the Cloud Run service has the function's name
        elif isinstance(node, TelemetryTopic):
            subscriptions.append(node.dead_letter_subscription.name_input)
    return DashboardLayer(title, tuple(services), tuple(subscriptions))
