"""Mover payloads: expired hot records of one device and day, sent to cold/archive storage.

One schema on every cloud (the predecessor had incompatible ones):
`{schema, source_cloud, device_id, start_timestamp, end_timestamp, object_key, records}`.
The object key is derived from the content, so a retried move overwrites the same object.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from runtime.core.errors import InvalidInput
from runtime.core.telemetry import TelemetryError, normalize_record

SCHEMA = "dt.mover.v1"
# Keeps one payload well below the 6 MB request limit for telemetry-sized records.
MAX_RECORDS_PER_OBJECT = 1000


class MoverPayloadError(InvalidInput):
    code = "invalid_mover_payload"


def object_key(device_id: str, start_timestamp: str, end_timestamp: str, count: int) -> str:
    """`<device_id>/<yyyy>/<mm>/<dd>/<start>_<end>_<n>.json`, timestamps in compact ISO form."""
    year, month, day = start_timestamp[:10].split("-")
    return f"{device_id}/{year}/{month}/{day}/{_compact(start_timestamp)}_{_compact(end_timestamp)}_{count}.json"


@dataclass(frozen=True)
class MoverPayload:
    source_cloud: str
    device_id: str
    start_timestamp: str
    end_timestamp: str
    object_key: str
    records: list[dict[str, Any]]
    schema: str = SCHEMA

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def build_payloads(records: Sequence[Mapping[str, Any]], source_cloud: str) -> list[MoverPayload]:
    """One payload per device and UTC day (split past MAX_RECORDS_PER_OBJECT), oldest first."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for record in sorted((normalize_record(raw) for raw in records), key=lambda r: r["timestamp"]):
        groups[(record["device_id"], record["timestamp"][:10])].append(record)
    return [
        _payload(source_cloud, device_id, group[start : start + MAX_RECORDS_PER_OBJECT])
        for (device_id, _day), group in sorted(groups.items())
        for start in range(0, len(group), MAX_RECORDS_PER_OBJECT)
    ]


def parse_payload(body: Any) -> MoverPayload:
    """Validate a received payload: records belong to its device and day, its key matches them."""
    if not isinstance(body, Mapping) or body.get("schema") != SCHEMA:
        raise MoverPayloadError(f"the body must be a mover payload with schema {SCHEMA!r}")
    if not isinstance(body.get("records"), list) or not body["records"]:
        raise MoverPayloadError("records must be a non-empty list")
    try:
        expected = _payload(body.get("source_cloud"), body.get("device_id"), body["records"])
    except TelemetryError as exc:
        raise MoverPayloadError(f"bad record: {exc}") from exc
    for name in ("source_cloud", "device_id", "start_timestamp", "end_timestamp", "object_key"):
        if body.get(name) != getattr(expected, name):
            raise MoverPayloadError(f"{name} does not match the records (expected {getattr(expected, name)!r})")
    return expected


def _payload(source_cloud: Any, device_id: Any, records: Sequence[Mapping[str, Any]]) -> MoverPayload:
    normalized = sorted((normalize_record(raw) for raw in records), key=lambda r: r["timestamp"])
    if not isinstance(source_cloud, str) or not source_cloud:
        raise MoverPayloadError("source_cloud is required")
    if {record["device_id"] for record in normalized} != {device_id}:
        raise MoverPayloadError("every record must belong to the payload's device_id")
    if normalized[0]["timestamp"][:10] != normalized[-1]["timestamp"][:10]:
        raise MoverPayloadError("a payload holds records of one UTC day")
    start, end = normalized[0]["timestamp"], normalized[-1]["timestamp"]
    return MoverPayload(
        source_cloud, device_id, start, end, object_key(device_id, start, end, len(normalized)), normalized
    )


def _compact(timestamp: str) -> str:
    return timestamp.replace("-", "").replace(":", "").replace(".", "")
