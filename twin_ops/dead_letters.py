"""Every place a twin parks what it failed to deliver, and where each message goes back to.

Pure (project + topology → destinations), so `status`, `redrive --dry-run` and the tests see the
same list. The names come from twin_contract, which the stacks use to create the resources; a
test compares this list with what the synthesized templates actually contain.

Per kind, what a redrive does (README, "Operating a twin"):
- LAMBDA_ASYNC: the SQS on-failure destination of an asynchronously invoked Lambda holds Lambda's
  invocation record; the original event (`requestPayload`) is invoked again, asynchronously, on
  the same function, so it gets the platform's retries and lands in the same queue if it fails.
- IOT_RULE: the telemetry rule's error queue holds the device's original payload and topic; the
  dispatcher is invoked asynchronously with what the rule's SQL would have given it.
- STREAM_BATCH: the stream mapping's failure queue holds only the batch's position in the hot
  table's stream; the records are read back from the stream (kept 24 h) and the hot→cold mover
  is invoked synchronously, so a batch is removed only once the mover has taken it.
- AZURE_POISON: `<queue>-poison` back to `<queue>` of the same Function App storage account.
- EVENT_GRID: telemetry events Event Grid dead-lettered to blobs go to the telemetry queue.
- PUBSUB: the dispatcher's dead-letter topic's retained subscription back to the telemetry topic.
None of these is an SQS redrive-policy queue, so SQS StartMessageMoveTask (which can only return
messages to the queue that dead-lettered them) has nothing to move.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from twin_model.config.model import Layer, ProjectConfig, Provider
from twin_model.topology import BridgeKind, Topology
from twin_contract import aws_names, azure_names, gcp_names


class Kind(str, Enum):
    LAMBDA_ASYNC = "lambda-async"
    IOT_RULE = "iot-rule"
    STREAM_BATCH = "stream-batch"
    AZURE_POISON = "azure-poison"
    EVENT_GRID = "event-grid"
    PUBSUB = "pubsub"


@dataclass(frozen=True)
class DeadLetter:
    layer: Layer
    cloud: Provider
    kind: Kind
    source: str  # SQS queue, poison queue, blob container or Pub/Sub subscription
    target: str  # Lambda function, Storage queue or Pub/Sub topic
    account: str = ""  # Azure: the storage account holding source and target

    @property
    def key(self) -> str:
        """Stable identity of the destination (the redrive journal's namespace)."""
        return f"{self.cloud.value}:{self.account + '/' if self.account else ''}{self.source}"


def dead_letters(config: ProjectConfig, topology: Topology) -> tuple[DeadLetter, ...]:
    """The twin's failure destinations in deploy order of their layers (a part split off a layer,
    the L1 feedback receiver, is a synchronous receiver: its sender keeps what fails)."""
    found: list[DeadLetter] = []
    for stack in topology.stacks:
        if stack.part is not None:
            continue
        layer, cloud = stack.layer, stack.cloud
        if cloud is Provider.AWS:
            found += _aws(layer, config, topology)
        elif cloud is Provider.AZURE:
            found += _azure(layer, config, topology)
        elif layer is Layer.L1:
            telemetry = gcp_names.telemetry_dead_letter_topic_name(config.name)
            found.append(DeadLetter(layer, cloud, Kind.PUBSUB, gcp_names.retained_subscription_name(telemetry),
                                    gcp_names.telemetry_topic_name(config.name)))
    return tuple(found)


def _aws(layer: Layer, config: ProjectConfig, topology: Topology) -> list[DeadLetter]:
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


def _azure(layer: Layer, config: ProjectConfig, topology: Topology) -> list[DeadLetter]:
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


def select(destinations: tuple[DeadLetter, ...], layer: Layer | None) -> tuple[DeadLetter, ...]:
    return destinations if layer is None else tuple(d for d in destinations if d.layer is layer)
