"""L1: IoT topic rule → normalised record → async invoke of the processor (or the connector).

The device id comes from the topic (`topic_device_id`), which the device's IoT policy pins to
its own id; an id in the body that disagrees is logged and overwritten.
"""

from __future__ import annotations

import logging
from typing import Any

from runtime.aws.environment import handler_environment
from runtime.aws.lambda_invoke import invoke_async
from runtime.core.telemetry import TelemetryError, find_device_id, normalize_record

TOPIC_DEVICE_ID = "topic_device_id"

logger = logging.getLogger(__name__)

_env = handler_environment()
TARGET_FUNCTION_NAME = _env.required("TARGET_FUNCTION_NAME")
_env.check()


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    if not isinstance(event, dict) or not event.get(TOPIC_DEVICE_ID):
        raise TelemetryError(f"the IoT rule must add {TOPIC_DEVICE_ID} (topic(3))")
    body = {key: value for key, value in event.items() if key != TOPIC_DEVICE_ID}
    topic_id, body_id = event[TOPIC_DEVICE_ID], find_device_id(body)
    if body_id is not None and body_id != topic_id:
        logger.warning("device id %r in the body differs from the topic's %r; using the topic's", body_id, topic_id)
    record = normalize_record(body, device_id=topic_id)
    invoke_async(TARGET_FUNCTION_NAME, record)
    return record
