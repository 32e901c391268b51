"""AWS's part of operating a deployed twin (twin_ops.cloud_ops.CloudOps)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from twin_contract import aws_names
from twin_model.config.model import Layer, ProjectConfig, Provider
from twin_model.topology import BridgeKind, Topology
from twin_ops.cloud_clients import open_aws
from twin_ops.cloud_ops import DeviceLink, FeedbackCallback, FeedbackReader, Reach
from twin_ops.dead_letters import DeadLetter, Kind
from twin_ops.redrive import aws as redrive
from twin_ops.redrive.engine import Deliver, Source
from twin_ops.simulator.config import DeviceCredentials, SimulatorConfig
from twin_ops.status import hot


class AwsOps:
    def open(self, reach: Reach) -> Any:
        return open_aws(reach.aws_region)

    def dead_letters(self, layer: Layer, config: ProjectConfig, topology: Topology) -> list[DeadLetter]:
        """Each asynchronously invoked function's on-failure queue, the telemetry rule's error
        queue, the hot table stream's failure queue."""
        twin, flags = config.name, config.flags

        def function(name: str) -> DeadLetter:
            return DeadLetter(layer, Provider.AWS, Kind.LAMBDA_ASYNC, aws_names.failure_queue_name(name), name)

        def role(name: str) -> DeadLetter:
            return function(aws_names.function_name(twin, name))

        if layer is Layer.L1:
            found = [role("dispatcher")]
            if topology.has(BridgeKind.L1_TO_L2):
                found.append(role("connector"))
            found.append(DeadLetter(layer, Provider.AWS, Kind.IOT_RULE, aws_names.telemetry_rejected_queue_name(twin),
                                    aws_names.function_name(twin, "dispatcher")))
            return found
        if layer is Layer.L2:
            found = [role("processor"), role("persister")]
            if flags.use_event_checking:
                found.append(role("event-checker"))
                found += [function(aws_names.action_function_name(twin, action.name)) for action in config.actions]
                if flags.return_feedback_to_device:
                    found.append(role("feedback"))
            return found
        if layer is Layer.L3_HOT:
            return [DeadLetter(layer, Provider.AWS, Kind.STREAM_BATCH, aws_names.stream_failure_queue_name(twin),
                               aws_names.function_name(twin, "hot-to-cold"))]
        if layer is Layer.L3_COLD and topology.has(BridgeKind.COLD_TO_ARCHIVE):
            return [role("cold-to-archive")]
        return []

    def open_dead_letter(self, destination: DeadLetter, clients: Any, twin: str) -> tuple[Source | None, Deliver]:
        d, function = destination, clients.client("lambda")
        deliver = {
            Kind.LAMBDA_ASYNC: lambda: redrive.lambda_async(function, d.target),
            Kind.IOT_RULE: lambda: redrive.iot_rule(function, twin, d.target),
            Kind.STREAM_BATCH: lambda: redrive.stream_batch(function, clients.client("dynamodbstreams"), d.target),
        }[d.kind]()
        return redrive.SqsQueue.named(clients.client("sqs"), d.source), deliver

    def newest_record(self, clients: Any, twin: str, device: str) -> dict[str, Any] | None:
        return hot.dynamodb_newest(clients.client("dynamodb"), aws_names.hot_table_name(twin), device)

    def open_device_link(
        self, config: SimulatorConfig, device: DeviceCredentials, folder: Path, deliver: FeedbackCallback
    ) -> DeviceLink:
        from twin_ops.simulator.mqtt_link import MqttLink
        from twin_ops.simulator.sessions import aws_session

        return MqttLink(aws_session(config, device, folder), deliver)

    def open_feedback(self, config: SimulatorConfig, deliver: FeedbackCallback) -> FeedbackReader | None:
        return None  # each device's link hears its own feedback


OPS = AwsOps()
