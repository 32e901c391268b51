"""L1: IoT topic rule → normalised record → async invoke of the processor (or the connector).

The device id comes from the topic (`topic_device_id`), which the device's IoT policy pins to
its own id; an id in the body that disagrees is logged and overwritten. The record id comes from
the rule's `newuuid()` (`ingress_id`) and a device without a clock gets the rule's `timestamp()`
(`ingress_time`): both are fixed per message, so a second delivery of the event makes the same
record.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from runtime.aws.environment import handler_environment, runs_as
from runtime.aws.lambda_invoke import invoke_async
from runtime.core.record_identity import RECORD_ID, ingress_id
from twin_contract.wire import format_timestamp
from runtime.core.telemetry import TelemetryError, find_device_id, normalize_record
from twin_contract.functions import DISPATCHER, TARGET_FUNCTION_NAME as TARGET_SETTING

TOPIC_DEVICE_ID = "topic_device_id"
INGRESS_ID, INGRESS_TIME = "ingress_id", "ingress_time"
RULE_FIELDS = (TOPIC_DEVICE_ID, INGRESS_ID, INGRESS_TIME)

logger = logging.getLogger(__name__)

_env = handler_environment()
TARGET_FUNCTION_NAME = _env.required(TARGET_SETTING)
_env.check()


@runs_as(DISPATCHER)
def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    if not isinstance(event, dict) or not event.get(TOPIC_DEVICE_ID):
        raise TelemetryError(f"the IoT rule must add {TOPIC_DEVICE_ID} (topic(3))")
    body = {key: value for key, value in event.items() if key not in RULE_FIELDS}
    topic_id, body_id = event[TOPIC_DEVICE_ID], find_device_id(body)
    if body_id is not None and body_id != topic_id:
        logger.warning("device id %r in the body differs from the topic's %r; using the topic's", body_id, topic_id,
                       extra={"device_id": topic_id})
    message_id = event.get(INGRESS_ID) or getattr(context, "aws_request_id", None)
    record = normalize_record(
        {key: value for key, value in body.items() if key != RECORD_ID},  # ids are the twin's to give
        device_id=topic_id,
        default_time=event.get(INGRESS_TIME) or format_timestamp(datetime.now(UTC)),
        default_id=ingress_id("aws", message_id),
    )
    invoke_async(TARGET_FUNCTION_NAME, record)
    return record
