"""The twin's health dashboard on Azure: one Azure Monitor workbook over every layer's Application
Insights, a group of charts per layer in data order.

Each layer's charts: records per hop (executions per function), failures per function, and
messages parked in its poison queues; a last group shows the bridges' delivery latency, retries
and failures from the senders' metric lines (twin_contract.monitoring). The workbook's name is a
GUID derived from the twin, so every synth and deploy addresses the same workbook.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from constructs import Construct

from constructs_lib.azure.placement import AzurePlacement
from twin_contract.monitoring import DELIVERY_EVENT, DELIVERY_FAILURES, DELIVERY_LATENCY, DELIVERY_RETRIES, dashboard_name

SCHEMA = "https://github.com/Microsoft/Application-Insights-Workbooks/blob/master/schema/workbook.json"
NAMESPACE = uuid.UUID("9d0b6f3e-4f1c-4b5e-9c57-1f0e8a7d2b11")  # this project's workbooks


@dataclass(frozen=True)
class WorkbookLayer:
    title: str
    app_insights_id: str
    poison_queues: tuple[str, ...] = ()


@dataclass(frozen=True)
class HealthWorkbookProps:
    placement: AzurePlacement  # the group of the last Azure stack in deploy order
    layers: tuple[WorkbookLayer, ...]  # in the order the groups appear
    bridges: bool = False  # a sender of the twin runs on Azure


class HealthWorkbook(Construct):
    """Exposes `workbook`."""

    def __init__(self, scope: Construct, id: str, props: HealthWorkbookProps) -> None:
        super().__init__(scope, id)
        from cdktn_provider_azurerm.application_insights_workbook import ApplicationInsightsWorkbook

        twin_name = props.placement.names.twin
        self.workbook = ApplicationInsightsWorkbook(
            self,
            "Workbook",
            name=str(uuid.uuid5(NAMESPACE, twin_name)),
            display_name=dashboard_name(twin_name),
            **props.placement.resource_args(),
            source_id="azure monitor",
            category="workbook",
            data_json=json.dumps(workbook_document(props), separators=(",", ":")),
        )


def workbook_document(props: HealthWorkbookProps) -> dict:
    twin_name = props.placement.names.twin
    items: list[dict] = [_text(f"# Digital twin {twin_name}\nRecords per hop, failures and parked messages "
                               "per layer on Azure; `python -m twin_ops status` reports every cloud of the twin.")]
    for layer in props.layers:
        items.append(_text(f"## {layer.title}"))
        items.append(_query(f"{layer.title}: records per hop", [layer.app_insights_id],
                            "requests | summarize executions = count() by bin(timestamp, 5m), function = operation_Name"))
        items.append(_query(f"{layer.title}: failures", [layer.app_insights_id],
                            "requests | where success == false "
                            "| summarize failures = count() by bin(timestamp, 5m), function = operation_Name"))
        if layer.poison_queues:
            queues = ", ".join(f'"{queue}"' for queue in layer.poison_queues)
            items.append(_query(f"{layer.title}: messages parked in poison queues", [layer.app_insights_id],
                                'traces | where message has "MaxDequeueCount" '
                                "| extend queue = extract(@\"queue '([^']+)'\", 1, message) "
                                f"| where queue in ({queues}) | summarize parked = count() by bin(timestamp, 5m), queue"))
    if props.bridges:
        lines = (f'traces | where message contains "{DELIVERY_EVENT}" '
                 '| extend line = parse_json(extract(@"(\\{.*\\})", 1, message)) '
                 f'| where tostring(line.event) == "{DELIVERY_EVENT}" ')
        every = [layer.app_insights_id for layer in props.layers]
        items.append(_text("## Bridges"))
        items.append(_query("Bridges: delivery latency (ms)", every,
                            lines + f"| summarize average = avg(todouble(line.{DELIVERY_LATENCY})), "
                            f"p99 = percentile(todouble(line.{DELIVERY_LATENCY}), 99) by bin(timestamp, 5m)"))
        items.append(_query("Bridges: retries and failed deliveries", every,
                            lines + f"| summarize retries = sum(toint(line.{DELIVERY_RETRIES})), "
                            f"failures = sum(toint(line.{DELIVERY_FAILURES})) by bin(timestamp, 5m)"))
    return {"version": "Notebook/1.0", "items": items, "isLocked": False, "$schema": SCHEMA}


def _text(markdown: str) -> dict:
    return {"type": 1, "content": {"json": markdown}}


def _query(title: str, components: list[str], query: str) -> dict:
    return {
        "type": 3,
        "content": {
            "version": "KqlItem/1.0",
            "title": title,
            "query": query,
            "size": 0,
            "timeContext": {"durationMs": 21_600_000},
            "queryType": 0,
            "resourceType": "microsoft.insights/components",
            "crossComponentResources": components,
            "visualization": "timechart",
        },
    }
