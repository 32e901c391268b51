"""Every place a twin parks what it failed to deliver, and where each message goes back to.

Pure (project + topology → destinations), so `status`, `redrive --dry-run` and the tests see the
same list; each cloud lists its own (twin_ops.cloud_ops.<cloud>.dead_letters). The names come from
twin_contract, which the stacks use to create the resources; a test compares this list with what
the synthesized templates actually contain.

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
from twin_model.topology import Topology


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
    """The twin's failure destinations in deploy order of their layers, each listed by the cloud
    of its stack (twin_ops.cloud_ops). A part split off a layer, the L1 feedback receiver, is a
    synchronous receiver: its sender keeps what fails."""
    from twin_ops.cloud_ops import cloud_ops  # its cloud modules build DeadLetters

    return tuple(
        destination
        for stack in topology.stacks
        if stack.part is None
        for destination in cloud_ops(stack.cloud).dead_letters(stack.layer, config, topology)
    )


def select(destinations: tuple[DeadLetter, ...], layer: Layer | None) -> tuple[DeadLetter, ...]:
    return destinations if layer is None else tuple(d for d in destinations if d.layer is layer)
