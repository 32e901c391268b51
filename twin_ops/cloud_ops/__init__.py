"""Each cloud's part of operating a deployed twin, behind one interface (docs/design.md §8).

`status`, `redrive` and `simulate` walk the twin's topology and ask the cloud of each stack,
dead-letter destination or device; none of them names a cloud. A cloud implements CloudOps in
the module of its runtime package's name (`aws`, `azure`, `gcp`: CLOUDS[...].runtime_package), so
a new cloud is one module here. The modules import their cloud's SDK only inside the methods that
call it: listing a twin's dead letters loads no SDK.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from twin_model.clouds import CLOUDS
from twin_model.config.model import Layer, ProjectConfig, Provider
from twin_model.topology import Topology
from twin_ops.dead_letters import DeadLetter
from twin_ops.redrive.engine import Deliver, Source
from twin_ops.simulator.config import DeviceCredentials, SimulatorConfig

FeedbackCallback = Callable[[str, str], None]  # (device id, feedback text)


@dataclass(frozen=True)
class Reach:
    """Where the deployed twin is, on the clouds that need it named (Azure's names come from the synth)."""

    aws_region: str
    gcp_project: str | None = None


class DeviceLink(Protocol):
    def send(self, payload: bytes) -> None: ...

    def close(self) -> None: ...


class FeedbackReader(Protocol):
    """Feedback read for every device at once; it delivers until closed."""

    def close(self) -> None: ...


@runtime_checkable
class CloudOps(Protocol):
    def open(self, reach: Reach) -> Any:
        """The cloud's clients from its standard credential chain (twin_ops.cloud_clients), or
        CloudUnavailable with the one line the commands print for this cloud."""

    def dead_letters(self, layer: Layer, config: ProjectConfig, topology: Topology) -> list[DeadLetter]:
        """Where the stack of `layer` on this cloud parks what it failed to deliver."""

    def open_dead_letter(self, destination: DeadLetter, clients: Any, twin: str) -> tuple[Source | None, Deliver]:
        """The destination's source (None when it does not exist: its stack is not deployed) and
        the delivery back to where its messages failed."""

    def newest_record(self, clients: Any, twin: str, device: str) -> dict[str, Any] | None:
        """The device's newest record in this cloud's hot store (L3 hot here)."""

    def open_device_link(
        self, config: SimulatorConfig, device: DeviceCredentials, folder: Path, deliver: FeedbackCallback
    ) -> DeviceLink:
        """The simulator's connection of one device to L1 on this cloud, its feedback to `deliver`."""

    def open_feedback(self, config: SimulatorConfig, deliver: FeedbackCallback) -> FeedbackReader | None:
        """Feedback read once for every device (Google's one subscription); None where each device's
        link hears its own."""


def cloud_ops(provider: Provider) -> CloudOps:
    ops: CloudOps = importlib.import_module(f"twin_ops.cloud_ops.{CLOUDS[provider].runtime_package}").OPS
    return ops
