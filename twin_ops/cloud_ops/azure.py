"""Azure's part of operating a deployed twin (twin_ops.cloud_ops.CloudOps)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from twin_contract import azure_names
from twin_model.config.model import Layer, ProjectConfig, Provider
from twin_model.topology import BridgeKind, Topology
from twin_ops.cloud_clients import open_azure
from twin_ops.cloud_ops import DeviceLink, FeedbackCallback, FeedbackReader, Reach
from twin_ops.dead_letters import DeadLetter, Kind
from twin_ops.redrive import azure as redrive
from twin_ops.redrive.engine import Deliver, Source
from twin_ops.simulator.config import DeviceCredentials, SimulatorConfig


class AzureOps:
    def open(self, reach: Reach) -> Any:
        return open_azure()

    def dead_letters(self, layer: Layer, config: ProjectConfig, topology: Topology) -> list[DeadLetter]:
        """The poison queue of each queue a Function App reads, and Event Grid's dead-lettered
        telemetry, all in the layer's function storage account."""
        flags = config.flags
        account = azure_names.function_storage_account(azure_names.AzureNames(config.name, layer.value, layer.code))

        def poison(queue: str) -> DeadLetter:
            return DeadLetter(layer, Provider.AZURE, Kind.AZURE_POISON, azure_names.poison_queue_name(queue), queue, account)

        if layer is Layer.L1:
            found = [poison(azure_names.TELEMETRY_QUEUE)]
            if topology.has(BridgeKind.L1_TO_L2):
                found.append(poison(azure_names.CONNECTOR_QUEUE))
            found.append(DeadLetter(layer, Provider.AZURE, Kind.EVENT_GRID, azure_names.TELEMETRY_DEAD_LETTER_CONTAINER,
                                    azure_names.TELEMETRY_QUEUE, account))
            return found
        if layer is Layer.L2:
            queues = [azure_names.PROCESSOR_QUEUE, azure_names.PERSISTER_QUEUE]
            if flags.use_event_checking:
                queues += [azure_names.EVENT_CHECKER_QUEUE, azure_names.EVENT_ACTIONS_QUEUE]
                if flags.return_feedback_to_device:
                    queues.append(azure_names.FEEDBACK_QUEUE)
            return [poison(queue) for queue in queues]
        return []

    def open_dead_letter(self, destination: DeadLetter, clients: Any, twin: str) -> tuple[Source | None, Deliver]:
        d = destination
        if d.kind is Kind.EVENT_GRID:
            blobs, queues = clients.blobs(d.account), clients.queues(d.account)
            return redrive.EventGridDeadLetters(blobs, d.source), redrive.event_to_queue(queues, d.target)
        queues = clients.queues(d.account)
        return redrive.PoisonQueue(queues, d.source), redrive.to_queue(queues, d.target)

    def newest_record(self, clients: Any, twin: str, device: str) -> dict[str, Any] | None:
        account = azure_names.cosmos_account_name(azure_names.AzureNames(twin, Layer.L3_HOT.value, Layer.L3_HOT.code))
        newest: dict[str, Any] | None = clients.cosmos(account, azure_names.COSMOS_DATABASE, azure_names.COSMOS_CONTAINER).newest(device)
        return newest

    def open_device_link(
        self, config: SimulatorConfig, device: DeviceCredentials, folder: Path, deliver: FeedbackCallback
    ) -> DeviceLink:
        from twin_ops.simulator.mqtt_link import MqttLink
        from twin_ops.simulator.sessions import azure_session

        return MqttLink(azure_session(config, device, folder), deliver)

    def open_feedback(self, config: SimulatorConfig, deliver: FeedbackCallback) -> FeedbackReader | None:
        return None  # each device's link hears its own feedback


OPS = AzureOps()
