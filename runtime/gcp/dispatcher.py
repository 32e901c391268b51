"""L1: Pub/Sub telemetry (Eventarc CloudEvent) → normalised record → processor (or connector).

The device id comes from the message attribute `device_id` (an id in the body that disagrees is
logged and overwritten); the body may also carry it when the attribute is absent. The record id
comes from the Pub/Sub `messageId` and a device without a clock gets the `publishTime`: both are
the same on every redelivery, so a redelivered message makes the same record. A message that
can never succeed (bad JSON, bad record) goes straight to the dead-letter topic and is
acknowledged; a delivery failure raises, so Pub/Sub redelivers with backoff, until the message is
older than MAX_DELIVERY_AGE_SECONDS: then it is dead-lettered instead of retried forever.
"""

from __future__ import annotations

import base64
import logging
from datetime import datetime, timezone
from typing import Any

import functions_framework

from runtime.core.config import positive_int
from runtime.core.errors import InvalidInput
from runtime.core.http_client import validate_url
from runtime.core.limits import parse_json
from runtime.core.record_identity import RECORD_ID, ingress_id
from twin_contract.wire import format_timestamp
from runtime.core.telemetry import TelemetryError, find_device_id, normalize_record, parse_timestamp
from runtime.gcp import clients, internal
from runtime.gcp.environment import handler_environment
from twin_contract import functions as s

DEVICE_ID_ATTRIBUTE = "device_id"

logger = logging.getLogger(__name__)

_env = handler_environment()
TARGET_URL = _env.required(s.TARGET_URL, parse=validate_url)
DEAD_LETTER_TOPIC = _env.required(s.DEAD_LETTER_TOPIC)
MAX_DELIVERY_AGE_SECONDS = _env.optional(s.MAX_DELIVERY_AGE_SECONDS, 3600, parse=positive_int)
_env.check()


def to_record(message: dict[str, Any]) -> dict[str, Any]:
    """The canonical record of a Pub/Sub message; raises InvalidInput when it can never be one."""
    try:
        body = parse_json(base64.b64decode(message.get("data") or ""))
    except ValueError as exc:  # binascii.Error and InvalidInput are ValueErrors
        raise TelemetryError("the message data is not base64-encoded JSON") from exc
    if not isinstance(body, dict):
        raise TelemetryError("the message data must be a JSON object")
    attributed = (message.get("attributes") or {}).get(DEVICE_ID_ATTRIBUTE)
    in_body = find_device_id(body)
    if attributed and in_body is not None and in_body != attributed:
        logger.warning("device id %r in the body differs from the attribute's %r; using the attribute's", in_body,
                       attributed, extra={"device_id": attributed})
    return normalize_record(
        {key: value for key, value in body.items() if key != RECORD_ID},  # ids are the twin's to give
        device_id=attributed or None,
        default_time=message.get("publishTime") or message.get("publish_time") or format_timestamp(datetime.now(timezone.utc)),
        default_id=ingress_id("google", message.get("messageId") or message.get("message_id")),
    )


@functions_framework.cloud_event
def dispatcher(cloud_event: Any) -> None:
    message = (cloud_event.data or {}).get("message") or {}
    try:
        record = to_record(message)
    except InvalidInput as exc:
        dead_letter(message, f"invalid: {exc}")
        return
    try:
        internal.call(TARGET_URL, record)
    except Exception as exc:
        if _age_seconds(message) < MAX_DELIVERY_AGE_SECONDS:
            raise  # Pub/Sub redelivers with backoff
        dead_letter(message, f"undeliverable: {exc}")


def dead_letter(message: dict[str, Any], reason: str) -> None:
    logger.error("dead-lettering message %s: %s", message.get("messageId"), reason)
    data = base64.b64decode(message.get("data") or "")
    attributes = {**(message.get("attributes") or {}), "dead_letter_reason": reason[:1000]}
    clients.publisher().publish(DEAD_LETTER_TOPIC, data, **attributes).result(timeout=30)


def _age_seconds(message: dict[str, Any]) -> float:
    try:
        published = parse_timestamp(message["publishTime"])
    except (KeyError, InvalidInput):
        return 0.0
    return (datetime.now(timezone.utc) - published).total_seconds()


handler = dispatcher
