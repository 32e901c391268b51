"""L1 on Google Cloud as the feedback port: the twin's feedback topic, one subscription per device.

There is no device registry on Google Cloud: a device can receive feedback when its subscription
`<prefix>-<device id>` (filtered on the `device_id` attribute) is attached to the feedback topic,
so that is what "known device" means here. The topic's subscriptions are listed once per instance
and again, at most once a minute, when a device is missing (a device added by a later deploy).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from runtime.core.feedback import Feedback, UnknownDevice
from runtime.gcp import clients

RELIST_SECONDS = 60.0
PUBLISH_TIMEOUT_SECONDS = 30


class PubSubDevices:
    def __init__(
        self, topic: str, subscription_prefix: str, publisher: Any = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._topic, self._prefix = topic, subscription_prefix
        self._publisher, self._clock = publisher, clock
        self._subscriptions: set[str] = set()
        self._listed_at: float | None = None

    def deliver(self, feedback: Feedback) -> str:
        if not self._has_subscription(feedback.device_id):
            raise UnknownDevice(f"device {feedback.device_id!r} has no feedback subscription on {self._topic}")
        data = json.dumps(feedback.device_message(), separators=(",", ":")).encode()
        self._client().publish(
            self._topic, data, device_id=feedback.device_id, feedback_id=feedback.feedback_id
        ).result(timeout=PUBLISH_TIMEOUT_SECONDS)
        return self._topic

    def _has_subscription(self, device_id: str) -> bool:
        name = f"{self._prefix}-{device_id}"
        if name in self._subscriptions:
            return True
        if self._listed_at is None or self._clock() - self._listed_at >= RELIST_SECONDS:
            paths = self._client().list_topic_subscriptions(request={"topic": self._topic})
            self._subscriptions = {path.rsplit("/", 1)[-1] for path in paths}
            self._listed_at = self._clock()
        return name in self._subscriptions

    def _client(self) -> Any:
        return self._publisher or clients.publisher()
