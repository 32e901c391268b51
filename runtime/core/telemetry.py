"""Telemetry records: one shape for every cloud, `{device_id, timestamp, <properties>}`.

Devices and older clouds name the id and the time differently; everything after ingress sees
`device_id` and a UTC timestamp `YYYY-MM-DDTHH:MM:SS.mmmZ`, which sorts as text (hot store
sort key, object keys).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from runtime.core.errors import InvalidInput

DEVICE_ID_KEYS = ("device_id", "iotDeviceId", "deviceId", "IoTDeviceId")
TIMESTAMP_KEYS = ("timestamp", "time", "ts")
# Device ids become topic segments, object key prefixes and file paths: no separators allowed.
DEVICE_ID_PATTERN = re.compile(r"^[A-Za-z0-9_:-]{1,128}$")
# Epoch values at or above this are milliseconds (as seconds it would be the year 5138).
_EPOCH_MS_THRESHOLD = 100_000_000_000


class TelemetryError(InvalidInput):
    code = "invalid_record"


def validate_device_id(value: Any) -> str:
    if not isinstance(value, str) or not DEVICE_ID_PATTERN.match(value):
        raise TelemetryError(f"device id must match {DEVICE_ID_PATTERN.pattern}, got {value!r}")
    return value


def parse_timestamp(value: Any) -> datetime:
    """An aware UTC datetime from an ISO-8601 string (naive means UTC) or epoch seconds/ms."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise TelemetryError(f"timestamp must be an ISO-8601 string or epoch number, got {value!r}")
    try:
        if isinstance(value, str):
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
        seconds = value / 1000 if abs(value) >= _EPOCH_MS_THRESHOLD else value
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise TelemetryError(f"unreadable timestamp {value!r}: {exc}") from exc


def format_timestamp(moment: datetime) -> str:
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def normalize_timestamp(value: Any) -> str:
    return format_timestamp(parse_timestamp(value))


def find_device_id(raw: Mapping[str, Any]) -> Any:
    """The first device id alias present in the record, or None."""
    return next((raw[key] for key in DEVICE_ID_KEYS if raw.get(key) not in (None, "")), None)


def normalize_record(raw: Any, device_id: str | None = None, now: datetime | None = None) -> dict[str, Any]:
    """The record in canonical shape; `device_id` (when given) overrides the body's id.

    A missing or empty timestamp means "now" (devices without clocks).
    """
    if not isinstance(raw, Mapping):
        raise TelemetryError(f"a record must be a JSON object, got {type(raw).__name__}")
    identifier = validate_device_id(device_id if device_id is not None else find_device_id(raw))
    moment = next((raw[key] for key in TIMESTAMP_KEYS if raw.get(key) not in (None, "")), None)
    timestamp = format_timestamp(now or datetime.now(UTC)) if moment is None else normalize_timestamp(moment)
    properties = {key: value for key, value in raw.items() if key not in DEVICE_ID_KEYS + TIMESTAMP_KEYS}
    return {"device_id": identifier, "timestamp": timestamp, **properties}


def as_records(event: Any) -> list[Any]:
    """Events carry one record or a list of them."""
    return list(event) if isinstance(event, list) else [event]
