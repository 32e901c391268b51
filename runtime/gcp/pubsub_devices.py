"""L1 on Google Cloud as the feedback port: the twin's feedback topic, and its device list as data.

There is no device registry on Google Cloud (Cloud IoT Core is retired), and Pub/Sub allows
10,000 subscriptions per project, so devices do not get a subscription each: feedback goes to
the twin's feedback topic with the attribute `device_id`, and the device side (a gateway, the
simulator) reads the topic's one subscription and hands each message to its device. A device is
known when it is in the twin's device list, `devices.json` in the registry bucket (a JSON array
of ids, written by the gcp-device-registry step): it is read once per instance and again, at most
once a minute, when a device is missing (a device added by a later deploy).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from runtime.core.feedback import Feedback, UnknownDevice
from runtime.gcp import clients
from twin_contract.gcp_names import DEVICE_REGISTRY_OBJECT

RELIST_SECONDS = 60.0
PUBLISH_TIMEOUT_SECONDS = 30


class DeviceList:
    """The twin's device ids from the registry bucket; a missing list is an error (retried), not
    an unknown device: the step that writes it may not have run yet."""

    def __init__(self, bucket: str, storage: Any = None, clock: Callable[[], float] = time.monotonic) -> None:
        self._bucket, self._storage, self._clock = bucket, storage, clock
        self._ids: frozenset[str] = frozenset()
        self._read_at: float | None = None

    def __contains__(self, device_id: object) -> bool:
        if device_id in self._ids:
            return True
        if self._read_at is None or self._clock() - self._read_at >= RELIST_SECONDS:
            blob = (self._storage or clients.storage()).bucket(self._bucket).blob(DEVICE_REGISTRY_OBJECT)
            ids = json.loads(blob.download_as_bytes())
            if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
                raise ValueError(f"gs://{self._bucket}/{DEVICE_REGISTRY_OBJECT} is not a JSON array of device ids")
            self._ids, self._read_at = frozenset(ids), self._clock()
        return device_id in self._ids


class PubSubDevices:
    def __init__(self, topic: str, devices: DeviceList, publisher: Any = None) -> None:
        self._topic, self._devices, self._publisher = topic, devices, publisher

    def deliver(self, feedback: Feedback) -> str:
        if feedback.device_id not in self._devices:
            raise UnknownDevice(f"device {feedback.device_id!r} is not in the twin's device list")
        data = json.dumps(feedback.device_message(), separators=(",", ":")).encode()
        self._client().publish(
            self._topic, data, device_id=feedback.device_id, feedback_id=feedback.feedback_id
        ).result(timeout=PUBLISH_TIMEOUT_SECONDS)
        return self._topic

    def _client(self) -> Any:
        return self._publisher or clients.publisher()
