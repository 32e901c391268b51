"""The alerts of one Azure layer, each notifying the twin's action group when it fires and clears.

- Function failures: Application Insights `requests` that did not succeed (an execution that
  raised, a throttled or failed HTTP call), one alert per function (dimension `function`).
- Poison messages: the Functions host's warning when it moves a message to `<queue>-poison` after
  its last attempt (Storage queues report no per-queue metrics, so the move is what is seen).
- Bridge failures: the senders' metric lines (twin_contract.monitoring) with outcome `failed`.
- Event Grid (L1): telemetry events dead-lettered to blobs, dropped, or not published.
Log alerts count 5-minute windows; Application Insights may sample traces under heavy load, while
requests are never sampled, so a poison message or failed delivery always shows up as a failure too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from constructs import Construct

from constructs_lib.azure.placement import AzurePlacement
from twin_contract.monitoring import DELIVERY_EVENT, FAILED

WINDOW = "PT5M"
FAILURES_QUERY = """requests
| where success == false
| project timestamp, function = operation_Name, resultCode"""
POISON_QUERY = """traces
| where message has "MaxDequeueCount"
| extend queue = extract(@"queue '([^']+)'", 1, message)
| where queue in ({queues})
| project timestamp, queue"""
BRIDGE_QUERY = f"""traces
| where message contains "{DELIVERY_EVENT}"
| extend line = parse_json(extract(@"(\\{{.*\\}})", 1, message))
| where tostring(line.event) == "{DELIVERY_EVENT}" and tostring(line.outcome) == "{FAILED}"
| project timestamp, receiver = tostring(line.receiver)"""
EVENT_GRID_METRICS = (
    ("telemetry-dead-lettered", "DeadLetteredCount", "telemetry events Event Grid dead-lettered to telemetry-deadletter"),
    ("telemetry-dropped", "DroppedEventCount", "telemetry events Event Grid dropped"),
    ("telemetry-not-published", "PublishFailCount", "IoT Hub events that failed to reach Event Grid"),
)


@dataclass(frozen=True)
class LayerAlertsProps:
    placement: AzurePlacement
    action_group_id: str
    app_insights_id: str | None = None  # where the layer's functions report (None: no functions)
    poison_queues: tuple[str, ...] = ()
    event_grid_topic_id: str | None = None
    bridge_failures: bool = False  # the layer's functions send over a bridge


class LayerAlerts(Construct):
    """Exposes `log_alerts` and `metric_alerts`."""

    def __init__(self, scope: Construct, id: str, props: LayerAlertsProps) -> None:
        super().__init__(scope, id)
        self._props = props
        self.log_alerts: list[Any] = []
        self.metric_alerts: list[Any] = []
        if props.app_insights_id is not None:
            self._log_alert("function-failures", FAILURES_QUERY, "function", 2,
                            "Executions of this layer's functions failed (errors or throttled requests).")
            if props.poison_queues:
                queues = ", ".join(f'"{queue}"' for queue in props.poison_queues)
                self._log_alert("poison-messages", POISON_QUERY.format(queues=queues), "queue", 1,
                                "A message was parked in a poison queue: `status` counts them, `redrive` sends them back.")
            if props.bridge_failures:
                self._log_alert("bridge-delivery-failures", BRIDGE_QUERY, "receiver", 1,
                                "A bridge sender gave up on a delivery after its retries; the queue's retries and "
                                "poison queue keep the data.")
        if props.event_grid_topic_id is not None:
            for name, metric, what in EVENT_GRID_METRICS:
                self._metric_alert(name, metric, what)

    def _log_alert(self, name: str, query: str, dimension: str, severity: int, description: str) -> None:
        from cdktn_provider_azurerm.monitor_scheduled_query_rules_alert_v2 import (
            MonitorScheduledQueryRulesAlertV2,
            MonitorScheduledQueryRulesAlertV2Action,
            MonitorScheduledQueryRulesAlertV2Criteria,
            MonitorScheduledQueryRulesAlertV2CriteriaDimension,
            MonitorScheduledQueryRulesAlertV2CriteriaFailingPeriods,
        )

        props = self._props
        self.log_alerts.append(
            MonitorScheduledQueryRulesAlertV2(
                self,
                name,
                name=props.placement.names.plain(name),
                **props.placement.resource_args(),
                scopes=[props.app_insights_id],
                description=f"{description} (README, Operating a twin)",
                severity=severity,
                evaluation_frequency=WINDOW,
                window_duration=WINDOW,
                criteria=[
                    MonitorScheduledQueryRulesAlertV2Criteria(
                        query=query,
                        time_aggregation_method="Count",
                        operator="GreaterThanOrEqual",
                        threshold=1,
                        dimension=[
                            MonitorScheduledQueryRulesAlertV2CriteriaDimension(name=dimension, operator="Include", values=["*"])
                        ],
                        failing_periods=MonitorScheduledQueryRulesAlertV2CriteriaFailingPeriods(
                            minimum_failing_periods_to_trigger_alert=1, number_of_evaluation_periods=1
                        ),
                    )
                ],
                action=MonitorScheduledQueryRulesAlertV2Action(action_groups=[props.action_group_id]),
                auto_mitigation_enabled=True,
            )
        )

    def _metric_alert(self, name: str, metric: str, what: str) -> None:
        from cdktn_provider_azurerm.monitor_metric_alert import (
            MonitorMetricAlert,
            MonitorMetricAlertAction,
            MonitorMetricAlertCriteria,
        )

        props = self._props
        self.metric_alerts.append(
            MonitorMetricAlert(
                self,
                name,
                name=props.placement.names.plain(name),
                resource_group_name=props.placement.resource_group_name,  # metric alerts have no location
                scopes=[props.event_grid_topic_id],
                description=f"{what} (README, Operating a twin)",
                severity=1,
                frequency="PT1M",
                window_size=WINDOW,
                criteria=[
                    MonitorMetricAlertCriteria(
                        metric_namespace="Microsoft.EventGrid/systemTopics",
                        metric_name=metric,
                        aggregation="Total",
                        operator="GreaterThan",
                        threshold=0,
                    )
                ],
                action=[MonitorMetricAlertAction(action_group_id=props.action_group_id)],
                auto_mitigate=True,
                tags=dict(props.placement.tags),
            )
        )
