"""The simulated fleet of a local run: which devices send what, and, for `--devices N` beyond the
project's own devices, a copy of the project with that many (each added device a clone of one of
the project's: same properties, processor and sample payloads, an entity next to the original's),
synthesized like any project. Every message of a device gets its own timestamp, so a record's
identity is (device, timestamp) from the moment it is sent."""

from __future__ import annotations

import copy
import json
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from twin_contract.wire import format_timestamp
from twin_ops.simulator.payloads import PAYLOADS_FILE, load_payloads, messages_for

SKIP = shutil.ignore_patterns("iot_devices_auth", "__pycache__", "*.pyc")


@dataclass(frozen=True)
class Message:
    device_id: str
    timestamp: str
    body: dict


def scaled_project(project: Path, devices: int | None, target: Path) -> Path:
    """`project` itself when it has at least `devices` devices, else a copy with clones added."""
    originals = json.loads((project / "config_iot_devices.json").read_text("utf-8"))
    if devices is None or devices <= len(originals):
        return project
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(project, target, ignore=SKIP)
    added, payloads = [], json.loads((target / PAYLOADS_FILE).read_text("utf-8"))
    hierarchy = json.loads((target / "config_hierarchy.json").read_text("utf-8"))
    for index in range(len(originals), devices):
        base = originals[index % len(originals)]
        clone = {**copy.deepcopy(base), "id": f"{base['id']}-{index // len(originals) + 1}"}
        added.append(clone)
        processor = target / "processors" / base["id"]
        if processor.is_dir():
            shutil.copytree(processor, target / "processors" / clone["id"])
        payloads += [{**entry, "iotDeviceId": clone["id"]} for entry in payloads if entry.get("iotDeviceId") == base["id"]]
        _add_entity(hierarchy, base["id"], clone["id"])
    (target / "config_iot_devices.json").write_text(json.dumps(originals + added, indent=1), "utf-8")
    (target / "config_hierarchy.json").write_text(json.dumps(hierarchy, indent=1), "utf-8")
    (target / PAYLOADS_FILE).write_text(json.dumps(payloads, indent=1), "utf-8")
    return target


def _add_entity(tree: list[dict], device: str, clone: str) -> bool:
    """Next to the entity holding `device`'s component, an entity holding the clone's."""
    for index, node in enumerate(tree):
        if node.get("type") != "entity":
            continue
        children = node.get("children", [])
        if any(c.get("type") == "component" and c.get("iotDeviceId") == device for c in children):
            twin = copy.deepcopy(node)
            twin["id"] = f"{node['id']}-{clone.rsplit('-', 1)[-1]}"
            twin["children"] = [{**c, "iotDeviceId": clone} for c in twin.get("children", [])
                                if c.get("type") == "component" and c.get("iotDeviceId") == device]
            position = index + 1
            while position < len(tree) and str(tree[position].get("id", "")).startswith(f"{node['id']}-"):
                position += 1  # after the clones added before this one
            tree.insert(position, twin)
            return True
        if _add_entity(children, device, clone):
            return True
    return False


def messages(project: Path, device_ids: list[str], count: int | None, now: datetime | None = None) -> list[Message]:
    """Each device's sample payloads, cycled to `count` messages, each stamped with its own
    millisecond (the last one `now`), device by device in round-robin order."""
    payloads = load_payloads(project)
    now = now or datetime.now(timezone.utc)
    per_device = {device: messages_for(payloads.get(device, []), count) for device in device_ids}
    longest = max((len(items) for items in per_device.values()), default=0)
    start = now - timedelta(milliseconds=longest)
    sent = []
    for index in range(longest):
        for device, items in per_device.items():
            if index < len(items):
                stamp = format_timestamp(start + timedelta(milliseconds=index + 1))
                sent.append(Message(device, stamp, {**items[index], "iotDeviceId": device, "time": stamp}))
    return sent
