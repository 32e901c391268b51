"""L1: IoT Hub telemetry (Event Grid event in the `telemetry` queue) → normalised record → L2.

The device id comes from `systemProperties.iothub-connection-device-id`, which IoT Hub sets from
the authenticated device; an id in the body that disagrees is logged and overwritten. The record
goes to TARGET_QUEUE_URL: L2's processor queue, or this app's connector queue when L2 is remote.
"""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import azure.functions as func

from runtime.azure.environment import handler_environment
from runtime.azure.functions._shared import QUEUE_CONNECTION, message_json
from runtime.azure.queues import QueueClient
from runtime.core.telemetry import TelemetryError, find_device_id, normalize_record

DEVICE_ID_PROPERTY = "iothub-connection-device-id"
logger = logging.getLogger(__name__)

_env = handler_environment()
TARGET_QUEUE_URL = _env.required("TARGET_QUEUE_URL")
_env.check()

bp = func.Blueprint()


def record_from_event(event: Any) -> dict[str, Any]:
    data = event.get("data") if isinstance(event, dict) else None
    device_id = ((data or {}).get("systemProperties") or {}).get(DEVICE_ID_PROPERTY)
    if not device_id:
        raise TelemetryError(f"the event has no systemProperties.{DEVICE_ID_PROPERTY}")
    body = data.get("body")
    if isinstance(body, str):  # devices that did not send content-type application/json
        body = json.loads(base64.b64decode(body))
    if not isinstance(body, dict):
        raise TelemetryError("the telemetry body must be a JSON object")
    body_id = find_device_id(body)
    if body_id is not None and body_id != device_id:
        logger.warning("device id %r in the body differs from the hub's %r; using the hub's", body_id, device_id)
    return normalize_record(body, device_id=device_id)


def dispatch(message: func.QueueMessage) -> dict[str, Any]:
    record = record_from_event(message_json(message))
    QueueClient(TARGET_QUEUE_URL).send(record)
    return record


bp.function_name("dispatcher")(
    bp.queue_trigger(arg_name="message", queue_name="telemetry", connection=QUEUE_CONNECTION)(dispatch)
)
