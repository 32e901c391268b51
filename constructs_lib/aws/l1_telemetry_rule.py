"""One IoT topic rule for the whole fleet: every device's telemetry → the dispatcher.

Devices may publish only on their own topic (see l1_device_fleet), so the rule takes the device
id from the topic (`topic(3)`), not from the body. Messages the rule cannot deliver go to an
encrypted queue instead of being dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_iot as iot
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from constructs_lib.aws.failure_queue import failure_queue
from twin_contract.aws_names import telemetry_rejected_queue_name
from twin_contract.devices import telemetry_topic

SQL_VERSION = "2016-03-23"


def telemetry_rule_name(twin_name: str) -> str:
    """Rule names allow only [a-zA-Z0-9_]; twin names may hold `-`."""
    return f"{twin_name}_telemetry".replace("-", "_")


def telemetry_sql(twin_name: str) -> str:
    """The rule stamps each message once with an id and its receipt time (epoch ms): the Lambda
    queue may deliver an event twice, and both copies must make the same record (record ids,
    docs/runtime-contract.md)."""
    return (
        "SELECT *, topic(3) AS topic_device_id, newuuid() AS ingress_id, timestamp() AS ingress_time"
        f" FROM '{telemetry_topic(twin_name, '+')}'"
    )


@dataclass(frozen=True)
class TelemetryRuleProps:
    twin_name: str
    target: lambda_.IFunction  # the dispatcher
    debug: bool = False


class TelemetryRule(Construct):
    """Exposes `rule` and `error_queue` (messages the rule failed to deliver)."""

    def __init__(self, scope: Construct, id: str, props: TelemetryRuleProps) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        rule_name = telemetry_rule_name(props.twin_name)
        rule_arn = stack.format_arn(
            service="iot", resource="rule", resource_name=rule_name, arn_format=ArnFormat.SLASH_RESOURCE_NAME
        )
        self.error_queue = failure_queue(
            self,
            "Rejected",
            queue_name=telemetry_rejected_queue_name(props.twin_name),
            debug=props.debug,
            serves_as="the dead-letter store of the topic rule's error action",
        )
        # Only this rule, in this account, may make IoT act with this role (confused-deputy guard).
        error_role = iam.Role(
            self,
            "ErrorActionRole",
            assumed_by=iam.ServicePrincipal(
                "iot.amazonaws.com",
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnEquals": {"aws:SourceArn": rule_arn},
                },
            ),
            description=f"{props.twin_name}: the telemetry rule sends undeliverable messages to its queue",
        )
        self.error_queue.grant_send_messages(error_role)
        self.rule = iot.CfnTopicRule(
            self,
            "Rule",
            rule_name=rule_name,
            topic_rule_payload=iot.CfnTopicRule.TopicRulePayloadProperty(
                sql=telemetry_sql(props.twin_name),
                aws_iot_sql_version=SQL_VERSION,
                rule_disabled=False,
                description=f"Telemetry of every device of {props.twin_name} to the dispatcher",
                actions=[
                    iot.CfnTopicRule.ActionProperty(
                        lambda_=iot.CfnTopicRule.LambdaActionProperty(function_arn=props.target.function_arn)
                    )
                ],
                error_action=iot.CfnTopicRule.ActionProperty(
                    sqs=iot.CfnTopicRule.SqsActionProperty(
                        queue_url=self.error_queue.queue_url, role_arn=error_role.role_arn, use_base64=False
                    )
                ),
            ),
        )
        self.rule.node.add_dependency(error_role)
        props.target.add_permission(
            "InvokedByTelemetryRule",
            principal=iam.ServicePrincipal("iot.amazonaws.com"),
            source_arn=self.rule.attr_arn,
            source_account=stack.account,
        )
