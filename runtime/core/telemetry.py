"""Telemetry records: one shape for every cloud, `{device_id, timestamp, record_id, <properties>}`.

Devices and older clouds name the id and the time differently; everything after ingress sees
`device_id`, a UTC timestamp `YYYY-MM-DDTHH:MM:SS.mmmZ` (years 1970-9999, so it sorts as text:
hot store keys, object keys) and a `record_id` (runtime.core.record_identity). Properties are
checked against what every store can hold (runtime.core.limits).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from runtime.core import limits
from runtime.core.errors import RecordError
from runtime.core.record_identity import RECORD_ID, legacy_record_id, validate_record_id
from twin_contract.wire import format_timestamp

DEVICE_ID_KEYS = ("device_id", "iotDeviceId", "deviceId", "IoTDeviceId")
TIMESTAMP_KEYS = ("timestamp", "time", "ts")
# Device ids become topic segments, object key prefixes and file paths: no separators allowed.
DEVICE_ID_PATTERN = re.compile(r"[A-Za-z0-9_:-]{1,128}")
# Epoch values at or above this are milliseconds (as seconds it would be the year 5138).
_EPOCH_MS_THRESHOLD = 100_000_000_000
# Four-digit years from the epoch on: the text form sorts, and TTLs stay positive.
MIN_YEAR, MAX_YEAR = 1970, 9999
IDENTITY_KEYS = (RECORD_ID,)


class TelemetryError(RecordError):
    pass


def validate_device_id(value: Any) -> str:
    # fullmatch: with `$`, match() would accept a trailing newline ("d1\n").
    if not isinstance(value, str) or not DEVICE_ID_PATTERN.fullmatch(value):
        raise TelemetryError(f"device id must match {DEVICE_ID_PATTERN.pattern}, got {_preview(value)}")
    return value


def parse_timestamp(value: Any) -> datetime:
    """An aware UTC datetime from an ISO-8601 string (naive means UTC) or epoch seconds/ms."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise TelemetryError(f"timestamp must be an ISO-8601 string or epoch number, got {_preview(value)}")
    try:
        if isinstance(value, str):
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
            moment = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
        else:
            seconds = value / 1000 if abs(value) >= _EPOCH_MS_THRESHOLD else value
            moment = datetime.fromtimestamp(seconds, tz=UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise TelemetryError(f"unreadable timestamp {_preview(value)}") from exc
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise TelemetryError(f"timestamp {_preview(value)} is outside the years {MIN_YEAR}-{MAX_YEAR}")
    return moment


def normalize_timestamp(value: Any) -> str:
    return format_timestamp(parse_timestamp(value))


def find_device_id(raw: Mapping[str, Any]) -> Any:
    """The first device id alias present in the record, or None."""
    return next((raw[key] for key in DEVICE_ID_KEYS if raw.get(key) not in (None, "")), None)


def normalize_record(
    raw: Any,
    device_id: str | None = None,
    *,
    default_time: Any = None,
    default_id: str | Callable[[], str] | None = None,
) -> dict[str, Any]:
    """The record in canonical shape, checked against every store's limits.

    `device_id` (when given) overrides the body's id. A record without a timestamp takes
    `default_time` (the platform's receipt time at ingress, the envelope's time at a bridge
    receiver: both the same on every redelivery); without either it is bad input. A record
    without a `record_id` takes `default_id` (a value, or a function giving it: names are hashed
    only for records that need them), else the identity a bare (device, time) key gave it.
    """
    if not isinstance(raw, Mapping):
        raise TelemetryError(f"a record must be a JSON object, got {type(raw).__name__}")
    identifier = validate_device_id(device_id if device_id is not None else find_device_id(raw))
    moment = next((raw[key] for key in TIMESTAMP_KEYS if raw.get(key) not in (None, "")), default_time)
    if moment is None:
        raise TelemetryError("the record has no timestamp")
    timestamp = normalize_timestamp(moment)
    given_id = raw.get(RECORD_ID)
    if given_id in (None, ""):
        given = default_id() if callable(default_id) else default_id
        record_id = given or legacy_record_id(identifier, timestamp)
    else:
        record_id = validate_record_id(given_id)
    properties = {key: value for key, value in raw.items() if key not in _RECORD_KEYS}
    bound = limits.check_properties(properties) + len(identifier) + len(timestamp) + len(record_id) + 48
    record = {"device_id": identifier, "timestamp": timestamp, RECORD_ID: record_id, **properties}
    limits.check_size(record, bound)
    return record


_RECORD_KEYS = frozenset(DEVICE_ID_KEYS + TIMESTAMP_KEYS + IDENTITY_KEYS)


def _preview(value: Any) -> str:
    """A short repr for error messages: bad input is never echoed whole."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def as_records(event: Any) -> list[Any]:
    """Events carry one record or a list of them."""
    return list(event) if isinstance(event, list) else [event]


def normalized_records(event: Any) -> list[dict[str, Any]]:
    """The records of an event between the twin's own functions (one record or a list), normalised."""
    return [normalize_record(raw) for raw in as_records(event)]
