"""The twin's health dashboard on AWS: one CloudWatch dashboard, a row per layer in data order.

Each row shows the layer's records per hop (the IoT rule's matched messages, each function's
invocations), its errors and throttles, and the depth of its failure queues; a last row shows the
bridges' delivery latency, retries and failures (twin_contract.monitoring). Metrics are addressed
by name, so the dashboard can sit in any stack and reference none.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from constructs_lib.aws.watched import WatchedLayer
from twin_contract.monitoring import (
    BRIDGE_NAMESPACE,
    DELIVERY_FAILURES,
    DELIVERY_LATENCY,
    DELIVERY_RETRIES,
    TWIN_DIMENSION,
    dashboard_name,
)

PERIOD = Duration.minutes(5)
WIDTH = 8  # three graphs per 24-unit row


@dataclass(frozen=True)
class HealthDashboardProps:
    twin_name: str
    layers: tuple[WatchedLayer, ...]  # in the order the rows appear
    bridges: bool = False  # a sender of the twin runs on AWS


class HealthDashboard(Construct):
    """Exposes `dashboard`."""

    def __init__(self, scope: Construct, id: str, props: HealthDashboardProps) -> None:
        super().__init__(scope, id)
        self.dashboard = cloudwatch.Dashboard(
            self, "Dashboard", dashboard_name=dashboard_name(props.twin_name), default_interval=Duration.hours(6)
        )
        self.dashboard.add_widgets(
            cloudwatch.TextWidget(
                markdown=f"# Digital twin {props.twin_name}\nRecords per hop, errors and dead letters per layer on AWS; "
                "`python -m twin_ops status` reports every cloud of the twin.",
                width=24,
                height=2,
            )
        )
        for layer in props.layers:
            self.dashboard.add_widgets(*_layer_row(layer))
        if props.bridges:
            self.dashboard.add_widgets(*_bridge_row(props.twin_name))


def _metric(namespace: str, name: str, dimensions: dict[str, str], statistic: str, label: str) -> cloudwatch.Metric:
    return cloudwatch.Metric(namespace=namespace, metric_name=name, dimensions_map=dimensions, statistic=statistic,
                             period=PERIOD, label=label)


def _layer_row(layer: WatchedLayer) -> list[cloudwatch.IWidget]:
    records = [_metric("AWS/IoT", "TopicMatch", {"RuleName": rule}, "Sum", f"{rule} messages") for rule in layer.rules]
    records += [_metric("AWS/Lambda", "Invocations", {"FunctionName": f}, "Sum", f) for f in layer.functions]
    errors = [
        _metric("AWS/Lambda", metric, {"FunctionName": f}, "Sum", f"{f} {metric.lower()}")
        for f in layer.functions
        for metric in ("Errors", "Throttles")
    ]
    depth = [
        _metric("AWS/SQS", "ApproximateNumberOfMessagesVisible", {"QueueName": q}, "Maximum", q) for q in layer.queues
    ]
    row: list[cloudwatch.IWidget] = []
    for title, metrics in ((f"{layer.title}: records per hop", records), (f"{layer.title}: errors and throttles", errors),
                           (f"{layer.title}: dead letters", depth)):
        if metrics:
            row.append(cloudwatch.GraphWidget(title=title, left=metrics, width=WIDTH, height=6))
    return row


def _bridge_row(twin_name: str) -> list[cloudwatch.IWidget]:
    dimensions = {TWIN_DIMENSION: twin_name}
    return [
        cloudwatch.GraphWidget(
            title="Bridges: delivery latency (ms)",
            left=[_metric(BRIDGE_NAMESPACE, DELIVERY_LATENCY, dimensions, statistic, statistic)
                  for statistic in ("Average", "p99")],
            width=WIDTH,
            height=6,
        ),
        cloudwatch.GraphWidget(
            title="Bridges: retries and failed deliveries",
            left=[_metric(BRIDGE_NAMESPACE, DELIVERY_RETRIES, dimensions, "Sum", "retries"),
                  _metric(BRIDGE_NAMESPACE, DELIVERY_FAILURES, dimensions, "Sum", "failed deliveries")],
            width=WIDTH,
            height=6,
        ),
    ]
