"""The project's sample telemetry, `iot_device_simulator/payloads.json` (predecessor format; its
older generation kept it in `iot_device_simulator/aws/payloads.json`, read when the first is absent).

An array of `{"iotDeviceId": ..., "time": "", <properties>}`. An empty `time` is filled at send
time with the current UTC instant (ISO-8601, milliseconds, `Z`), the format of docs/design.md §6.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from itertools import cycle, islice
from pathlib import Path

from twin_ops.simulator.errors import SimulatorError
from twin_contract.wire import format_timestamp

PAYLOADS_FILE = Path("iot_device_simulator") / "payloads.json"
OLDER_PAYLOADS_FILE = Path("iot_device_simulator") / "aws" / "payloads.json"


class PayloadError(SimulatorError):
    pass


def load_payloads(project: Path) -> dict[str, list[dict]]:
    """Payloads by device id, in file order."""
    path = Path(project) / PAYLOADS_FILE
    if not path.is_file() and (Path(project) / OLDER_PAYLOADS_FILE).is_file():
        path = Path(project) / OLDER_PAYLOADS_FILE
    if not path.is_file():
        raise PayloadError(f"{path} is missing: the simulator sends the payloads listed there")
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise PayloadError(f"{path} is not JSON ({error})") from None
    if not isinstance(entries, list):
        raise PayloadError(f"{path}: expected a JSON array of payloads")
    by_device: dict[str, list[dict]] = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("iotDeviceId"), str):
            raise PayloadError(f"{path} $[{index}]: expected an object with a string iotDeviceId")
        by_device.setdefault(entry["iotDeviceId"], []).append(entry)
    return by_device


def messages_for(payloads: list[dict], count: int | None) -> list[dict]:
    """`count` payloads taken round-robin (default: each once)."""
    return list(islice(cycle(payloads), len(payloads) if count is None else count)) if payloads else []


def stamped(payload: dict, now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> dict:
    """The payload to send: an empty or missing `time` becomes the current UTC time."""
    return {**payload, "time": payload.get("time") or format_timestamp(now())}
