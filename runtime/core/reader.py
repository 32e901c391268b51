"""Cloud-neutral reads of the hot store (docs/design.md §5) and the storage port every cloud implements.

Range query `{device_id, properties[], start_time, end_time, max_results?, next_token?, order?}`
→ `{items: [{timestamp, values: {prop: value}}], next_token}`; latest query
`{device_id, properties[]}` → `{timestamp, values}` or `{}`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from runtime.core.errors import InvalidInput
from runtime.core.record_identity import storage_key
from runtime.core.telemetry import TelemetryError, normalize_timestamp, validate_device_id

DEFAULT_MAX_RESULTS = 100
MAX_RESULTS_LIMIT = 1000
ASCENDING, DESCENDING = "ASCENDING", "DESCENDING"


class ReaderQueryError(InvalidInput):
    code = "invalid_query"


@dataclass(frozen=True)
class Page:
    """Records of one query page, oldest or newest first, and the cursor of the next page."""

    records: list[dict[str, Any]]
    cursor: str | None


class HotStore(Protocol):
    """The hot store of one cloud, keyed by `device_id` and `timestamp` (docs/design.md §6).

    `put` overwrites records with the same key, so retried deliveries store nothing twice.
    Cursors are opaque strings the store made; a foreign or tampered one raises ReaderQueryError.
    """

    def put(self, records: Sequence[Mapping[str, Any]]) -> None: ...

    def query_range(
        self, device_id: str, start: str, end: str, limit: int, cursor: str | None, ascending: bool
    ) -> Page: ...

    def latest(self, device_id: str) -> dict[str, Any] | None: ...


def encode_cursor(position: Any) -> str:
    """An opaque, URL-safe token for a JSON-serialisable store position."""
    return base64.urlsafe_b64encode(json.dumps(position, separators=(",", ":")).encode()).decode()


def decode_cursor(token: str) -> Any:
    try:
        return json.loads(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ReaderQueryError("next_token is not a token this reader issued") from exc


def cursor_position(cursor: str, device_id: str, low: str, high: str) -> str:
    """The storage key a `next_token` continues after, if the token belongs to this query: the
    same device and a key within [low, high] (every hot store pages by keyset on that key)."""
    position = decode_cursor(cursor)
    if (
        not isinstance(position, dict)
        or position.get("device_id") != device_id
        or not isinstance(position.get("timestamp"), str)
        or not low <= position["timestamp"] <= high
    ):
        raise ReaderQueryError("next_token does not belong to this query")
    key: str = position["timestamp"]
    return key


def next_cursor(device_id: str, records: list[dict[str, Any]], limit: int) -> tuple[list[dict[str, Any]], str | None]:
    """A page of at most `limit` records from `limit + 1` read, and the cursor after it when more remain."""
    page = records[:limit]
    more = len(records) > limit
    return page, encode_cursor({"device_id": device_id, "timestamp": storage_key(page[-1])}) if more else None


@dataclass(frozen=True)
class RangeQuery:
    device_id: str
    properties: tuple[str, ...]
    start_time: str
    end_time: str
    max_results: int = DEFAULT_MAX_RESULTS
    next_token: str | None = None
    order: str = ASCENDING

    def __post_init__(self) -> None:
        _check_device(self.device_id)
        if self.start_time > self.end_time:
            raise ReaderQueryError("start_time is after end_time")
        limit = self.max_results
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_RESULTS_LIMIT:
            raise ReaderQueryError(f"max_results must be an integer from 1 to {MAX_RESULTS_LIMIT}")
        if self.order not in (ASCENDING, DESCENDING):
            raise ReaderQueryError(f"order must be {ASCENDING} or {DESCENDING}")
        if self.next_token is not None and not isinstance(self.next_token, str):
            raise ReaderQueryError("next_token must be a string")

    @classmethod
    def from_dict(cls, body: Any) -> RangeQuery:
        fields = _fields(body, required=("device_id", "properties", "start_time", "end_time"))
        return cls(
            device_id=fields["device_id"],
            properties=_properties(fields["properties"]),
            start_time=_time(fields, "start_time"),
            end_time=_time(fields, "end_time"),
            max_results=_default(fields, "max_results", DEFAULT_MAX_RESULTS),
            next_token=fields.get("next_token"),
            order=_default(fields, "order", ASCENDING),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "device_id": self.device_id,
            "properties": list(self.properties),
            "start_time": self.start_time,
            "end_time": self.end_time,
            "max_results": self.max_results,
            "next_token": self.next_token,
            "order": self.order,
        }

    def answer(self, store: HotStore) -> dict[str, Any]:
        page = store.query_range(
            self.device_id, self.start_time, self.end_time, self.max_results, self.next_token, self.order == ASCENDING
        )
        items = [_item(record, self.properties) for record in page.records]
        return {"items": items, "next_token": page.cursor}


@dataclass(frozen=True)
class LatestQuery:
    device_id: str
    properties: tuple[str, ...]

    def __post_init__(self) -> None:
        _check_device(self.device_id)

    @classmethod
    def from_dict(cls, body: Any) -> LatestQuery:
        fields = _fields(body, required=("device_id", "properties"))
        return cls(device_id=fields["device_id"], properties=_properties(fields["properties"]))

    def to_dict(self) -> dict[str, Any]:
        return {"device_id": self.device_id, "properties": list(self.properties)}

    def answer(self, store: HotStore) -> dict[str, Any]:
        record = store.latest(self.device_id)
        return _item(record, self.properties) if record else {}


def _item(record: Mapping[str, Any], properties: Sequence[str]) -> dict[str, Any]:
    values = {name: record[name] for name in properties if record.get(name) is not None}
    return {"timestamp": record["timestamp"], "values": values}


def _fields(body: Any, required: Sequence[str]) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise ReaderQueryError("a reader query must be a JSON object")
    missing = [name for name in required if body.get(name) is None]
    if missing:
        raise ReaderQueryError(f"missing {', '.join(missing)}")
    return body


def _properties(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(name, str) and name for name in value):
        raise ReaderQueryError("properties must be a list of property names")
    return tuple(value)


def _time(fields: Mapping[str, Any], name: str) -> str:
    try:
        return normalize_timestamp(fields[name])
    except TelemetryError as exc:
        raise ReaderQueryError(f"{name}: {exc}") from exc


def _default(fields: Mapping[str, Any], name: str, default: Any) -> Any:
    return default if fields.get(name) is None else fields[name]


def _check_device(device_id: str) -> None:
    try:
        validate_device_id(device_id)
    except TelemetryError as exc:
        raise ReaderQueryError(str(exc)) from exc
