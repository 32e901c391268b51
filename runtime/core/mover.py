"""Mover payloads: expired hot records of one device and day, sent to cold/archive storage.

One schema on every cloud (the predecessor had incompatible ones):
`{schema, source_cloud, device_id, start_timestamp, end_timestamp, object_key, records}`.
The object key is derived from the content, record ids included, so a retried move overwrites
the same object, and two moves of different records never share a key (even with the same
first and last timestamps and count).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from runtime.core.errors import InvalidInput, RecordError
from runtime.core.record_identity import RECORD_ID, storage_key
from runtime.core.telemetry import normalize_record

SCHEMA = "dt.mover.v1"
MAX_RECORDS_PER_OBJECT = 1000
# Records of one payload, as compact JSON: well below every receiver's 6 MB request limit.
MAX_PAYLOAD_RECORD_BYTES = 4 * 1024 * 1024
DIGEST_HEX_DIGITS = 16


class MoverPayloadError(InvalidInput):
    code = "invalid_mover_payload"


def object_key(device_id: str, start_timestamp: str, end_timestamp: str, count: int, digest: str) -> str:
    """`<device_id>/<yyyy>/<mm>/<dd>/<start>_<end>_<n>_<digest>.json`, timestamps in compact ISO form."""
    year, month, day = start_timestamp[:10].split("-")
    names = f"{_compact(start_timestamp)}_{_compact(end_timestamp)}_{count}_{digest}"
    return f"{device_id}/{year}/{month}/{day}/{names}.json"


def records_digest(record_ids: Sequence[str]) -> str:
    """The first 16 hex digits of SHA-256 over the record ids, in payload order, joined by `,`."""
    return hashlib.sha256(",".join(record_ids).encode()).hexdigest()[:DIGEST_HEX_DIGITS]


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
    """One payload per device and UTC day (split past MAX_RECORDS_PER_OBJECT records or
    MAX_PAYLOAD_RECORD_BYTES), oldest first; a record listed twice is moved once."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for record in _ordered(normalize_record(raw) for raw in records):
        groups[(record["device_id"], record["timestamp"][:10])].append(record)
    return [
        _payload(source_cloud, device_id, part)
        for (device_id, _day), group in sorted(groups.items())
        for part in _parts(group)
    ]


def parse_payload(body: Any) -> MoverPayload:
    """Validate a received payload: records belong to its device and day, its key matches them."""
    if not isinstance(body, Mapping) or body.get("schema") != SCHEMA:
        raise MoverPayloadError(f"the body must be a mover payload with schema {SCHEMA!r}")
    if not isinstance(body.get("records"), list) or not body["records"]:
        raise MoverPayloadError("records must be a non-empty list")
    try:
        expected = _payload(body.get("source_cloud"), body.get("device_id"), body["records"])
    except RecordError as exc:
        raise MoverPayloadError(f"bad record: {exc}") from exc
    for name in ("source_cloud", "device_id", "start_timestamp", "end_timestamp", "object_key"):
        if body.get(name) != getattr(expected, name):
            raise MoverPayloadError(f"{name} does not match the records (expected {getattr(expected, name)!r})")
    return expected


def stored_payloads(document: Any) -> list[MoverPayload]:
    """The payload(s) to forward for a stored cold object: its records, keyed by this contract.

    An object written under this contract comes back as the same payload (the same key); one
    written before record ids existed gets its records' legacy ids and a key of this contract, so
    the cold → archive movers can still forward it instead of refusing it on every run.
    """
    if not isinstance(document, Mapping) or document.get("schema") != SCHEMA:
        raise MoverPayloadError(f"the object is not a mover payload with schema {SCHEMA!r}")
    if not isinstance(document.get("records"), list) or not document["records"]:
        raise MoverPayloadError("records must be a non-empty list")
    source_cloud = document.get("source_cloud")
    if not isinstance(source_cloud, str) or not source_cloud:
        raise MoverPayloadError("source_cloud is required")
    try:
        return build_payloads(document["records"], source_cloud)
    except RecordError as exc:
        raise MoverPayloadError(f"bad record: {exc}") from exc


def _payload(source_cloud: Any, device_id: Any, records: Sequence[Mapping[str, Any]]) -> MoverPayload:
    normalized = _ordered(normalize_record(raw) for raw in records)
    if not isinstance(source_cloud, str) or not source_cloud:
        raise MoverPayloadError("source_cloud is required")
    if {record["device_id"] for record in normalized} != {device_id}:
        raise MoverPayloadError("every record must belong to the payload's device_id")
    if normalized[0]["timestamp"][:10] != normalized[-1]["timestamp"][:10]:
        raise MoverPayloadError("a payload holds records of one UTC day")
    start, end = normalized[0]["timestamp"], normalized[-1]["timestamp"]
    digest = records_digest([record[RECORD_ID] for record in normalized])
    key = object_key(device_id, start, end, len(normalized), digest)
    return MoverPayload(source_cloud, device_id, start, end, key, normalized)


def _ordered(records: Any) -> list[dict[str, Any]]:
    """Sorted by storage key (time, then record id), each record once."""
    unique = {(record["device_id"], storage_key(record)): record for record in records}
    return [unique[key] for key in sorted(unique)]


def _parts(group: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    parts: list[list[dict[str, Any]]] = [[]]
    size = 0
    for record in group:
        record_size = len(json.dumps(record, separators=(",", ":")).encode()) + 1
        if parts[-1] and (len(parts[-1]) >= MAX_RECORDS_PER_OBJECT or size + record_size > MAX_PAYLOAD_RECORD_BYTES):
            parts.append([])
            size = 0
        parts[-1].append(record)
        size += record_size
    return parts


def _compact(timestamp: str) -> str:
    return timestamp.replace("-", "").replace(":", "").replace(".", "")
