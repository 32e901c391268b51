"""L2 → device: an event rule's feedback, delivered through L1's device service.

L1 on AWS: IoT Core, the device's topic `dt/<twin>/<device_id>/feedback`. L1 on another cloud
(DEVICE_FEEDBACK_URL set): the L2 → L1 feedback bridge to L1's feedback receiver
(runtime/core/feedback.py).
Failures raise, so the asynchronous invocation retries and then keeps the event in the failure queue.
"""

from __future__ import annotations

import functools
from typing import Any

from runtime.aws.bridge_clients import BRIDGE_CLIENTS
from runtime.aws.environment import SOURCE_CLOUD, handler_environment, runs_as
from runtime.aws.iot_devices import IotCoreDevices
from runtime.core.feedback import BridgeDevices, DevicePort, send_feedback
from runtime.core.http_client import validate_url
from twin_contract import functions as s

_env = handler_environment()
TWIN_NAME = _env.required(s.TWIN_NAME)
BRIDGE_URL = _env.optional(s.DEVICE_FEEDBACK_URL, parse=validate_url)
BRIDGE_TOKEN_SECRET = _env.required(s.DEVICE_FEEDBACK_TOKEN_SECRET) if BRIDGE_URL else None
_env.check()


@functools.cache
def _devices() -> DevicePort:
    if BRIDGE_URL:
        return BridgeDevices(BRIDGE_CLIENTS.client(BRIDGE_URL, BRIDGE_TOKEN_SECRET), SOURCE_CLOUD)
    return IotCoreDevices(TWIN_NAME)


@runs_as(s.FEEDBACK)
def handler(event: Any, context: Any = None) -> dict[str, str]:
    return send_feedback(event, _devices())
