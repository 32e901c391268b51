"""L1: IoT Hub telemetry (Event Grid event in the `telemetry` queue) → normalised record → L2.

The device id comes from `systemProperties.iothub-connection-device-id`, which IoT Hub sets from
the authenticated device; an id in the body that disagrees is logged and overwritten. The record
id comes from the Event Grid event's `id` and a device without a clock gets the hub's
`iothub-enqueuedtime` (else the event's `eventTime`): both are the same on every redelivery, so
a repeated message makes the same record. The record goes to TARGET_QUEUE_URL: L2's processor
queue, or this app's connector queue when L2 is remote.
"""

from __future__ import annotations

import base64
import binascii
import logging
from datetime import datetime, timezone
from typing import Any

import azure.functions as func

from runtime.azure.environment import handler_environment
from runtime.azure.functions._shared import message_json, on_queue
from runtime.azure.queues import QueueClient
from runtime.core.limits import parse_json
from runtime.core.record_identity import RECORD_ID, ingress_id
from twin_contract.wire import format_timestamp
from runtime.core.telemetry import TelemetryError, find_device_id, normalize_record
from twin_contract import functions as s
from twin_contract.azure_names import TELEMETRY_QUEUE

DEVICE_ID_PROPERTY = "iothub-connection-device-id"
ENQUEUED_TIME_PROPERTY = "iothub-enqueuedtime"
logger = logging.getLogger(__name__)

_env = handler_environment()
TARGET_QUEUE_URL = _env.required(s.TARGET_QUEUE_URL)
_env.check()

bp = func.Blueprint()


def record_from_event(event: Any) -> dict[str, Any]:
    data = event.get("data") if isinstance(event, dict) else None
    system = ((data if isinstance(data, dict) else {}).get("systemProperties")) or {}
    device_id = system.get(DEVICE_ID_PROPERTY)
    if not device_id:
        raise TelemetryError(f"the event has no systemProperties.{DEVICE_ID_PROPERTY}")
    body = data.get("body")
    if isinstance(body, str):  # devices that did not send content-type application/json
        try:
            body = parse_json(base64.b64decode(body, validate=True))
        except binascii.Error:
            raise TelemetryError("the telemetry body is neither JSON nor base64") from None
    if not isinstance(body, dict):
        raise TelemetryError("the telemetry body must be a JSON object")
    body_id = find_device_id(body)
    if body_id is not None and body_id != device_id:
        logger.warning("device id %r in the body differs from the hub's %r; using the hub's", body_id, device_id,
                       extra={"device_id": device_id})
    received = system.get(ENQUEUED_TIME_PROPERTY) or event.get("eventTime") or format_timestamp(datetime.now(timezone.utc))
    return normalize_record(
        {key: value for key, value in body.items() if key != RECORD_ID},  # ids are the twin's to give
        device_id=device_id,
        default_time=received,
        default_id=ingress_id("azure", event.get("id")),
    )


@on_queue(bp, s.DISPATCHER, TELEMETRY_QUEUE)
def dispatch(message: func.QueueMessage) -> dict[str, Any]:
    record = record_from_event(message_json(message))
    QueueClient(TARGET_QUEUE_URL).send(record)
    return record
