"""The alert policies of one Google layer, notifying the twin's channels when an incident opens
and closes.

- Function errors and throttles: one policy per layer over its functions' Cloud Run services
  (gen2 functions run as Cloud Run services of the same name), one incident per function:
  responses 5xx (an execution that raised: Eventarc and Pub/Sub retry it) or 429 (no instance free).
- Dead letters: the retained subscription of a dead-letter topic holds a message.
- Bridges (once per twin on Google): the log-based metric of failed deliveries (bridge_metrics.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktn_provider_google.monitoring_alert_policy import (
    MonitoringAlertPolicy,
    MonitoringAlertPolicyAlertStrategy,
    MonitoringAlertPolicyConditions,
    MonitoringAlertPolicyConditionsConditionThreshold,
    MonitoringAlertPolicyConditionsConditionThresholdAggregations,
    MonitoringAlertPolicyConditionsConditionThresholdTrigger,
    MonitoringAlertPolicyDocumentation,
)
from constructs import Construct

PERIOD = "300s"
RUNBOOK = "See the README of the digital twin project, Operating a twin."


@dataclass(frozen=True)
class LayerAlertsProps:
    title: str  # e.g. "factory-floor l2"
    channels: tuple[str, ...]
    services: tuple[str, ...] = ()  # the layer's functions (Cloud Run service names)
    dead_letter_subscriptions: tuple[str, ...] = ()
    bridge_failures_metric: str | None = None  # metric type of the failed-delivery count


class LayerAlerts(Construct):
    """Exposes `policies`."""

    def __init__(self, scope: Construct, id: str, props: LayerAlertsProps) -> None:
        super().__init__(scope, id)
        self._props = props
        self.policies: list[MonitoringAlertPolicy] = []
        if props.services:
            services = ", ".join(f'"{service}"' for service in props.services)
            runs = ('metric.type="run.googleapis.com/request_count" AND resource.type="cloud_run_revision" '
                    f"AND resource.labels.service_name=one_of({services})")
            self._policy("FunctionErrors", f"{props.title}: function errors and throttles", [
                _condition("5xx responses (failed executions)", f'{runs} AND metric.labels.response_code_class="5xx"',
                           "ALIGN_DELTA", ["resource.label.service_name"]),
                _condition("429 responses (throttled)", f'{runs} AND metric.labels.response_code="429"',
                           "ALIGN_DELTA", ["resource.label.service_name"]),
            ], "Executions of this layer's functions failed or were throttled.")
        for index, subscription in enumerate(props.dead_letter_subscriptions):
            self._policy(f"DeadLetters{index}", f"{subscription} holds messages", [
                _condition("undelivered messages",
                           'metric.type="pubsub.googleapis.com/subscription/num_undelivered_messages" '
                           f'AND resource.type="pubsub_subscription" AND resource.labels.subscription_id="{subscription}"',
                           "ALIGN_MAX", []),
            ], f"{subscription} holds telemetry the dispatcher could not deliver: `status` counts it, `redrive` "
               "sends it back.")
        if props.bridge_failures_metric:
            self._policy("BridgeFailures", f"{props.title}: bridge delivery failures", [
                _condition("failed deliveries",
                           f'metric.type="{props.bridge_failures_metric}" AND resource.type="cloud_run_revision"',
                           "ALIGN_DELTA", []),
            ], "A bridge sender gave up on a delivery after its retries; the platform's retries and dead-letter "
               "topic keep the data.")

    def _policy(self, id: str, name: str, conditions: list[MonitoringAlertPolicyConditions], what: str) -> None:
        self.policies.append(
            MonitoringAlertPolicy(
                self,
                id,
                display_name=name,
                combiner="OR",
                conditions=conditions,
                notification_channels=list(self._props.channels),
                alert_strategy=MonitoringAlertPolicyAlertStrategy(auto_close="1800s", notification_prompts=["OPENED", "CLOSED"]),
                documentation=MonitoringAlertPolicyDocumentation(content=f"{what} {RUNBOOK}", mime_type="text/markdown"),
                severity="ERROR",
            )
        )


def _condition(name: str, filter: str, aligner: str, group_by: list[str]) -> MonitoringAlertPolicyConditions:
    reduce = {"cross_series_reducer": "REDUCE_SUM", "group_by_fields": group_by} if group_by else {}
    return MonitoringAlertPolicyConditions(
        display_name=name,
        condition_threshold=MonitoringAlertPolicyConditionsConditionThreshold(
            filter=filter,
            comparison="COMPARISON_GT",
            threshold_value=0,
            duration="0s",
            aggregations=[
                MonitoringAlertPolicyConditionsConditionThresholdAggregations(
                    alignment_period=PERIOD, per_series_aligner=aligner, **reduce
                )
            ],
            trigger=MonitoringAlertPolicyConditionsConditionThresholdTrigger(count=1),
        ),
    )
