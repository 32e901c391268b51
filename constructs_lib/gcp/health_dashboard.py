"""The twin's health dashboard on Google Cloud: one Cloud Monitoring dashboard, charts per layer
in data order, then the bridges.

Each layer's charts: records per hop (requests per function), failed and throttled responses,
and the messages its dead-letter subscriptions hold; the bridges' row shows delivery latency,
retried and failed deliveries from the log-based metrics (bridge_metrics.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cdktn_provider_google.monitoring_dashboard import MonitoringDashboard
from constructs import Construct

from twin_contract.monitoring import dashboard_name

PERIOD = "300s"


@dataclass(frozen=True)
class DashboardLayer:
    title: str
    services: tuple[str, ...] = ()
    dead_letter_subscriptions: tuple[str, ...] = ()


@dataclass(frozen=True)
class HealthDashboardProps:
    twin_name: str
    layers: tuple[DashboardLayer, ...]
    bridge_metrics: tuple[str, str, str] | None = None  # metric types: failures, retried, latency


class HealthDashboard(Construct):
    """Exposes `dashboard`."""

    def __init__(self, scope: Construct, id: str, props: HealthDashboardProps) -> None:
        super().__init__(scope, id)
        self.dashboard = MonitoringDashboard(
            self, "Dashboard", dashboard_json=json.dumps(dashboard_document(props), separators=(",", ":"))
        )


def dashboard_document(props: HealthDashboardProps) -> dict[str, Any]:
    widgets: list[dict[str, Any]] = []
    for layer in props.layers:
        if layer.services:
            services = ", ".join(f'"{service}"' for service in layer.services)
            runs = ('metric.type="run.googleapis.com/request_count" resource.type="cloud_run_revision" '
                    f"resource.labels.service_name=one_of({services})")
            widgets.append(_chart(f"{layer.title}: records per hop", runs, "ALIGN_DELTA", ["resource.label.service_name"]))
            group = ["resource.label.service_name", "metric.label.response_code"]
            widgets.append({"title": f"{layer.title}: failed (5xx) and throttled (429) responses", "xyChart": {"dataSets": [
                _data_set(f'{runs} metric.labels.response_code_class="5xx"', "ALIGN_DELTA", group),
                _data_set(f'{runs} metric.labels.response_code="429"', "ALIGN_DELTA", group),
            ]}})
        for subscription in layer.dead_letter_subscriptions:
            widgets.append(_chart(f"{layer.title}: dead letters in {subscription}",
                                  'metric.type="pubsub.googleapis.com/subscription/num_undelivered_messages" '
                                  f'resource.type="pubsub_subscription" resource.labels.subscription_id="{subscription}"',
                                  "ALIGN_MAX", []))
    if props.bridge_metrics:
        failures, retried, latency = props.bridge_metrics
        widgets.append(_chart("Bridges: delivery latency (ms, 99th percentile)",
                              f'metric.type="{latency}" resource.type="cloud_run_revision"', "ALIGN_PERCENTILE_99", []))
        widgets.append({"title": "Bridges: retried and failed deliveries", "xyChart": {"dataSets": [
            _data_set(f'metric.type="{retried}" resource.type="cloud_run_revision"', "ALIGN_DELTA", [], "retried"),
            _data_set(f'metric.type="{failures}" resource.type="cloud_run_revision"', "ALIGN_DELTA", [], "failed"),
        ]}})
    return {"displayName": dashboard_name(props.twin_name), "gridLayout": {"columns": "3", "widgets": widgets}}


def _chart(title: str, filter: str, aligner: str, group_by: list[str]) -> dict[str, Any]:
    return {"title": title, "xyChart": {"dataSets": [_data_set(filter, aligner, group_by)]}}


def _data_set(filter: str, aligner: str, group_by: list[str], legend: str = "") -> dict[str, Any]:
    aggregation: dict[str, Any] = {"alignmentPeriod": PERIOD, "perSeriesAligner": aligner}
    if group_by or aligner == "ALIGN_DELTA":
        aggregation.update(crossSeriesReducer="REDUCE_SUM", groupByFields=group_by)
    data_set: dict[str, Any] = {"timeSeriesQuery": {"timeSeriesFilter": {"filter": filter, "aggregation": aggregation}},
                      "plotType": "LINE"}
    if legend:
        data_set["legendTemplate"] = legend
    return data_set
