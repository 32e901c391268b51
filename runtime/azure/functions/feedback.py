"""L2 → device: an event rule's feedback, delivered through L1's device service.

L1 on Azure (IOT_HUB_HOST): the device twin's desired property `feedback`
(runtime/azure/iot_hub_devices.py); the hub's name derives from the twin, so L2 knows its host at
synth. L1 on another cloud (DEVICE_FEEDBACK_URL, DEVICE_FEEDBACK_TOKEN_SECRET): the L2 → L1
feedback bridge. Failures raise: the queue retries the message, then keeps it in the poison queue.
"""

from __future__ import annotations

import functools

import azure.functions as func

from runtime.azure.bridge_clients import BRIDGE_CLIENTS
from runtime.azure.environment import SOURCE_CLOUD, handler_environment
from runtime.azure.functions._shared import message_json, on_queue
from runtime.azure.iot_hub_devices import IotHubDevices
from runtime.core.feedback import BridgeDevices, DevicePort, send_feedback
from runtime.core.http_client import validate_url
from twin_contract import functions as s
from twin_contract.azure_names import FEEDBACK_QUEUE

_env = handler_environment()
MODE, SETTINGS = _env.mode(
    hub={s.IOT_HUB_HOST: str},
    bridge={s.DEVICE_FEEDBACK_URL: validate_url, s.DEVICE_FEEDBACK_TOKEN_SECRET: str},
)
_env.check()

bp = func.Blueprint()


@functools.cache
def _devices() -> DevicePort:
    if MODE == "bridge":
        client = BRIDGE_CLIENTS.client(SETTINGS[s.DEVICE_FEEDBACK_URL], SETTINGS[s.DEVICE_FEEDBACK_TOKEN_SECRET])
        return BridgeDevices(client, SOURCE_CLOUD)
    return IotHubDevices(SETTINGS[s.IOT_HUB_HOST])


@on_queue(bp, s.FEEDBACK, FEEDBACK_QUEUE)
def send(message: func.QueueMessage) -> str:
    return send_feedback(message_json(message), _devices())["device_id"]
