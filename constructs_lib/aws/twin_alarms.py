"""The alarms of one AWS layer: its functions, its failure queues, its IoT rule, and (once per
twin) the bridges' delivery failures. Each notifies the twin's channel when it fires and when it
clears.

Alarms are per function and per queue, never per device, so a fleet's size does not change them.
Thresholds are "any": one error, one throttle, one parked message is one too many for a twin whose
every step retries before it gives up.
- Errors, Throttles: the function's Sum over 5 minutes ≥ 1; no data is no failure.
- Failure queues: ApproximateNumberOfMessagesVisible ≥ 1. SQS stops reporting a queue nobody
  touches for six hours, so missing data keeps the alarm's state: a parked message keeps it in
  ALARM until `redrive` (or someone) empties the queue.
- IoT rule: messages the rule could not parse or was throttled on (its action failures land in
  the rule's error queue, which has its own alarm).
- Bridges: DeliveryFailures (twin_contract.monitoring), written by every sender of the twin.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from constructs import Construct

from constructs_lib.aws.watched import WatchedLayer
from twin_contract.monitoring import BRIDGE_NAMESPACE, DELIVERY_FAILURES, TWIN_DIMENSION

PERIOD = Duration.minutes(5)
RUNBOOK = "README, Operating a twin"


@dataclass(frozen=True)
class TwinAlarmsProps:
    twin_name: str
    channel: sns.ITopic
    layer: WatchedLayer
    bridge_failures: bool = False  # the twin's bridge alarm of this cloud (in one stack per cloud)


class TwinAlarms(Construct):
    """Exposes `alarms` (every alarm made, in order)."""

    def __init__(self, scope: Construct, id: str, props: TwinAlarmsProps) -> None:
        super().__init__(scope, id)
        self.alarms: list[cloudwatch.Alarm] = []
        notify = actions.SnsAction(props.channel)
        for function in props.layer.functions:
            for metric, what in (("Errors", "failed invocations"), ("Throttles", "throttled invocations")):
                self._alarm(
                    f"{function}-{metric.lower()}",
                    cloudwatch.Metric(namespace="AWS/Lambda", metric_name=metric, dimensions_map={"FunctionName": function},
                                      statistic="Sum", period=PERIOD),
                    f"{function}: {what} in the last 5 minutes. Asynchronous events that still fail are parked "
                    f"in {function}-failed where the function has one ({RUNBOOK}).",
                    cloudwatch.TreatMissingData.NOT_BREACHING,
                )
        for queue in props.layer.queues:
            self._alarm(
                f"{queue}-not-empty",
                cloudwatch.Metric(namespace="AWS/SQS", metric_name="ApproximateNumberOfMessagesVisible",
                                  dimensions_map={"QueueName": queue}, statistic="Maximum", period=PERIOD),
                f"{queue} holds messages the twin could not deliver: `status` counts them, `redrive` sends them "
                f"back ({RUNBOOK}).",
                cloudwatch.TreatMissingData.IGNORE,
            )
        for rule in props.layer.rules:
            dimensions = {"RuleName": rule}
            self._alarm(
                f"{props.twin_name}-iot-rule-errors",
                cloudwatch.MathExpression(
                    expression="FILL(parse, 0) + FILL(throttled, 0)",
                    using_metrics={
                        "parse": cloudwatch.Metric(namespace="AWS/IoT", metric_name="ParseError",
                                                   dimensions_map=dimensions, statistic="Sum", period=PERIOD),
                        "throttled": cloudwatch.Metric(namespace="AWS/IoT", metric_name="RuleMessageThrottled",
                                                       dimensions_map=dimensions, statistic="Sum", period=PERIOD),
                    },
                    label=f"{rule} parse errors and throttled messages",
                    period=PERIOD,
                ),
                f"The IoT rule {rule} dropped telemetry it could not parse or was throttled on ({RUNBOOK}).",
                cloudwatch.TreatMissingData.NOT_BREACHING,
            )
        if props.bridge_failures:
            self._alarm(
                f"{props.twin_name}-bridge-delivery-failures",
                cloudwatch.Metric(namespace=BRIDGE_NAMESPACE, metric_name=DELIVERY_FAILURES,
                                  dimensions_map={TWIN_DIMENSION: props.twin_name}, statistic="Sum", period=PERIOD),
                "A bridge sender on AWS gave up on a delivery to another cloud after its retries; the function's "
                f"platform retries and failure queue keep the data ({RUNBOOK}).",
                cloudwatch.TreatMissingData.NOT_BREACHING,
            )
        for alarm in self.alarms:
            alarm.add_alarm_action(notify)
            alarm.add_ok_action(notify)

    def _alarm(self, name: str, metric: cloudwatch.IMetric, description: str,
               missing: cloudwatch.TreatMissingData) -> None:
        self.alarms.append(
            cloudwatch.Alarm(
                self,
                name,
                alarm_name=name,
                alarm_description=description,
                metric=metric,
                threshold=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                evaluation_periods=1,
                treat_missing_data=missing,
            )
        )
