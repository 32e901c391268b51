"""`python -m twin_ops simulate`: each device sends its sample payloads, then feedback is shown.

Every selected device connects (and subscribes to its feedback) before any telemetry is sent, so
feedback caused by the first message is not missed; after sending, feedback is printed as it
arrives until the window closes.
"""

from __future__ import annotations

import json
import queue
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from twin_ops.simulator.config import DeviceCredentials, SimulatorConfig, auth_dir, read_config
from twin_ops.simulator.errors import SimulatorError
from twin_ops.simulator.payloads import load_payloads, messages_for, stamped

Deliver = Callable[[str, str], None]  # (device id, feedback text)


if TYPE_CHECKING:
    from twin_ops.cloud_ops import FeedbackReader

class DeviceLink(Protocol):
    def send(self, payload: bytes) -> None: ...

    def close(self) -> None: ...


LinkOpener = Callable[[SimulatorConfig, DeviceCredentials, Path, Deliver], DeviceLink]
FeedbackOpener = Callable[[SimulatorConfig, Deliver], "FeedbackReader | None"]


@dataclass(frozen=True)
class SimulationRequest:
    project: Path
    device: str | None = None  # None: every device that has payloads
    count: int | None = None  # messages per device, round-robin over its payloads; None: each once
    feedback_wait: float = 5.0  # seconds to listen for feedback after the last message


def open_cloud_link(config: SimulatorConfig, device: DeviceCredentials, folder: Path, deliver: Deliver) -> DeviceLink:
    """The link of the cloud hosting L1 (imports its client library only when used)."""
    from twin_ops.cloud_ops import cloud_ops

    return cloud_ops(config.cloud).open_device_link(config, device, folder, deliver)


def open_cloud_feedback(config: SimulatorConfig, deliver: Deliver) -> FeedbackReader | None:
    """Feedback read once for every device where the cloud has one reader (Google); None elsewhere."""
    from twin_ops.cloud_ops import cloud_ops

    return cloud_ops(config.cloud).open_feedback(config, deliver)


def simulate(
    request: SimulationRequest, echo: Callable[[str], None] = print, open_link: LinkOpener = open_cloud_link,
    open_feedback: FeedbackOpener = open_cloud_feedback,
) -> int:
    """Send, then show feedback; returns the number of messages sent."""
    config = read_config(request.project)
    payloads = load_payloads(request.project)
    devices = _selected_devices(config, payloads, request.device, echo)
    folder = auth_dir(request.project)
    feedback: queue.Queue[tuple[str, str]] = queue.Queue()
    sent = 0
    with ExitStack() as links_open:
        shared = open_feedback(config, lambda device_id, text: feedback.put((device_id, text)))
        if shared is not None:
            links_open.callback(shared.close)
        links = {}
        for device in devices:
            link = open_link(config, device, folder, lambda device_id, text: feedback.put((device_id, text)))
            links_open.callback(link.close)
            links[device.device_id] = link
        for device_id, link in links.items():
            for payload in messages_for(payloads[device_id], request.count):
                message = json.dumps(stamped(payload))
                link.send(message.encode("utf-8"))
                echo(f"sent {device_id} → {config.cloud.value}: {message}")
                sent += 1
        deadline = time.monotonic() + request.feedback_wait
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                device_id, text = feedback.get(timeout=remaining)
            except queue.Empty:
                break
            echo(f"feedback {device_id}: {text}")
    return sent


def _selected_devices(
    config: SimulatorConfig, payloads: dict[str, list[dict]], wanted: str | None, echo: Callable[[str], None]
) -> list[DeviceCredentials]:
    if wanted is not None:
        if wanted not in config.device_ids:
            raise SimulatorError(f"device {wanted!r} is not deployed (known: {', '.join(config.device_ids)})")
        if wanted not in payloads:
            raise SimulatorError(f"device {wanted!r} has no payload in iot_device_simulator/payloads.json")
        return [d for d in config.devices if d.device_id == wanted]
    for device_id in sorted(payloads.keys() - set(config.device_ids)):
        echo(f"warning: payloads of {device_id!r} skipped: not a deployed device")
    return [d for d in config.devices if d.device_id in payloads]
