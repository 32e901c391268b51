"""Alarms and the health dashboard of the AWS stacks (docs/design.md §8).

Each AWS layer stack alarms what it made itself, found in its own construct tree once it is built
(every named function, every failure queue, the telemetry rule), so a function or queue added
later is watched without anyone listing it. The first AWS stack in deploy order holds the twin's
alarm channel (it exists before any alarm that notifies it) and the bridge-failure alarm; the last
holds the dashboard, drawn from the layers the earlier stacks watched (their typed outputs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from aws_cdk import Token
from aws_cdk import aws_iot as iot
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from twin_model.config.model import Provider
from cdk_app.stacks.monitoring_places import data_order, last_on
from twin_model.topology import TwinStack
from constructs_lib.aws.alarm_channel import AlarmChannel, AlarmChannelProps
from constructs_lib.aws.health_dashboard import HealthDashboard, HealthDashboardProps
from constructs_lib.aws.twin_alarms import TwinAlarms, TwinAlarmsProps
from constructs_lib.aws.watched import WatchedLayer

if TYPE_CHECKING:
    from cdk_app.stacks.aws.base import AwsLayerStack


@dataclass(frozen=True)
class AwsHealth:
    """The twin's monitoring on AWS so far: its channel and the stacks watched, in deploy order."""

    channel: sns.ITopic
    layers: tuple[tuple[TwinStack, WatchedLayer], ...]


def add_monitoring(stack: AwsLayerStack) -> AwsHealth:
    ctx = stack.ctx
    topology = ctx.topology
    earlier = ctx.upstream.health(AwsHealth)
    if earlier is None:
        channel = AlarmChannel(stack, "AlarmChannel", AlarmChannelProps(ctx.twin, ctx.config.alarm_email)).topic
    else:
        channel = earlier.channel
    sends = any(bridge.sender_cloud is Provider.AWS and bridge.sent_by_function for bridge in topology.bridges)
    own = watched_layer(stack, ctx.stack.title)
    TwinAlarms(stack, "Alarms", TwinAlarmsProps(ctx.twin, channel, own, bridge_failures=earlier is None and sends))
    layers = (earlier.layers if earlier else ()) + ((ctx.stack, own),)
    if ctx.stack == last_on(topology, Provider.AWS):
        rows = tuple(watched for _, watched in sorted(layers, key=lambda pair: data_order(pair[0])))
        HealthDashboard(stack, "HealthDashboard", HealthDashboardProps(ctx.twin, rows, bridges=sends))
    return AwsHealth(channel, layers)


def watched_layer(scope: Construct, title: str) -> WatchedLayer:
    """Every named function, queue and topic rule under `scope` (its nested stacks included).

    Functions without a name are CDK's own deploy-time handlers of custom resources (a failure
    there fails the deployment, which CloudFormation reports); every function of the twin is named.
    """
    functions, queues, rules = [], [], []
    for node in scope.node.find_all():
        if isinstance(node, lambda_.CfnFunction):
            _add_name(functions, node.function_name)
        elif isinstance(node, sqs.CfnQueue):
            _add_name(queues, node.queue_name)
        elif isinstance(node, iot.CfnTopicRule):
            _add_name(rules, node.rule_name)
    return WatchedLayer(title, tuple(functions), tuple(queues), tuple(rules))


def _add_name(names: list[str], name: object) -> None:
    if isinstance(name, str) and not Token.is_unresolved(name):
        names.append(name)
