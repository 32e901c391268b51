"""The twin's alarm channel on AWS: one SNS topic every alarm of every AWS stack notifies.

Encrypted with a customer-managed key because CloudWatch cannot publish to a topic encrypted with
the AWS-managed SNS key; the key and the topic's policy let CloudWatch publish only for the
twin's own alarms (`<twin>-*`). The optional e-mail subscription must be confirmed once from the
message SNS sends. The topic and key hold no data, so they go with the stack in every mode.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from twin_contract.monitoring import alarm_channel_name

CLOUDWATCH = "cloudwatch.amazonaws.com"


@dataclass(frozen=True)
class AlarmChannelProps:
    twin_name: str
    email: str | None = None  # subscribed to the topic (config_user.json admin_email)


class AlarmChannel(Construct):
    """Exposes `topic`."""

    def __init__(self, scope: Construct, id: str, props: AlarmChannelProps) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        twin_alarms = stack.format_arn(service="cloudwatch", resource="alarm", resource_name=f"{props.twin_name}-*",
                                       arn_format=ArnFormat.COLON_RESOURCE_NAME)
        from_twin_alarms = {"StringEquals": {"aws:SourceAccount": stack.account}, "ArnLike": {"aws:SourceArn": twin_alarms}}
        key = kms.Key(
            self,
            "Key",
            description=f"Digital twin {props.twin_name}: alarm notifications",
            enable_key_rotation=True,
            pending_window=Duration.days(7),
            removal_policy=RemovalPolicy.DESTROY,
        )
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsPublish",
                principals=[iam.ServicePrincipal(CLOUDWATCH)],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],  # in a key policy, "*" is this key
                conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
            )
        )
        self.topic = sns.Topic(
            self,
            "Topic",
            topic_name=alarm_channel_name(props.twin_name),
            display_name=f"{props.twin_name} alarms",
            master_key=key,
            enforce_ssl=True,
        )
        self.topic.apply_removal_policy(RemovalPolicy.DESTROY)
        # A topic policy replaces SNS's default one, so CloudWatch is let in explicitly.
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsPublish",
                principals=[iam.ServicePrincipal(CLOUDWATCH)],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions=from_twin_alarms,
            )
        )
        if props.email:
            self.topic.add_subscription(subscriptions.EmailSubscription(props.email))

