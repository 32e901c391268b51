"""L2 → device: an event rule's feedback, delivered through L1's device service.

L1 on Google (FEEDBACK_TOPIC, DEVICE_REGISTRY_BUCKET): the twin's feedback topic with the
attribute `device_id`, for devices of the twin's device list (runtime/gcp/pubsub_devices.py). L1 on another cloud (DEVICE_FEEDBACK_URL,
DEVICE_FEEDBACK_TOKEN_SECRET): the L2 → L1 feedback bridge. Failures answer 500, so the caller
fails and the platform retries.
"""

from __future__ import annotations

import functools
from typing import Any

from runtime.core.feedback import BridgeDevices, DevicePort, send_feedback
from runtime.core.http_client import validate_url
from runtime.gcp.bridge_clients import BRIDGE_CLIENTS
from runtime.gcp.environment import SOURCE_CLOUD, handler_environment
from runtime.gcp.http_io import internal
from runtime.gcp.pubsub_devices import DeviceList, PubSubDevices
from twin_contract import functions as s

_env = handler_environment()
MODE, SETTINGS = _env.mode(
    topic={s.FEEDBACK_TOPIC: str, s.DEVICE_REGISTRY_BUCKET: str},
    bridge={s.DEVICE_FEEDBACK_URL: validate_url, s.DEVICE_FEEDBACK_TOKEN_SECRET: str},
)
_env.check()


@functools.cache
def _devices() -> DevicePort:
    if MODE == "bridge":
        client = BRIDGE_CLIENTS.client(SETTINGS[s.DEVICE_FEEDBACK_URL], SETTINGS[s.DEVICE_FEEDBACK_TOKEN_SECRET])
        return BridgeDevices(client, SOURCE_CLOUD)
    return PubSubDevices(SETTINGS[s.FEEDBACK_TOPIC], DeviceList(SETTINGS[s.DEVICE_REGISTRY_BUCKET]))


def publish(event: Any) -> dict[str, str]:
    return send_feedback(event, _devices())


def handler(request: Any) -> tuple[str, int, dict[str, str]]:
    return internal(request, publish)
