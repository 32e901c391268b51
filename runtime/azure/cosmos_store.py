"""The hot store on Cosmos DB (container partitioned on /device_id, docs/design.md §6) behind a small port.

`CosmosHotStore` implements runtime.core.reader.HotStore over a `CosmosContainer` port whose two
operations are an upsert and a single-partition query described by `CosmosQuery`. The real port
(`CosmosRestContainer`) sends the query's SQL to the Cosmos REST API with an Entra ID token; the
HotStore contract tests run the store over an in-memory port that evaluates the same
`CosmosQuery`. Items store the record's storage key `<timestamp>#<record_id>` in `timestamp`
(the one indexed, ordered field besides the partition key), so readings of one millisecond stay
apart and order totally; readers get the plain timestamp and `record_id` back. Pagination is
keyset-based (cursor = last storage key), so cursors are ours, opaque, and checked against the
device and range (a foreign cursor is rejected like on DynamoDB).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any, Protocol
from urllib.parse import quote

from runtime.azure import identity, rest
from runtime.core.reader import Page, cursor_position, next_cursor
from runtime.core.record_identity import RECORD_ID, key_range, legacy_record_id, split_storage_key, storage_key
from runtime.core.telemetry import parse_timestamp

SYSTEM_FIELDS = ("id", "ttl", "_rid", "_self", "_etag", "_attachments", "_ts", "_lsn")
GRACE_SECONDS = 2 * 86400  # matches constructs_lib/azure/cosmos_hot_store.py MOVER_GRACE_DAYS
MAX_TTL_SECONDS = 2**31 - 1  # Cosmos refuses a larger per-item ttl


@dataclass(frozen=True)
class CosmosQuery:
    """One single-partition query: records of `device_id` in [start, end], strictly after/before
    `after` in the sort direction, at most `limit`; or (before set) every record older than it."""

    device_id: str | None
    start: str | None = None
    end: str | None = None
    after: str | None = None
    ascending: bool = True
    limit: int | None = None
    before: str | None = None

    def sql(self) -> tuple[str, list[dict[str, Any]]]:
        clauses, parameters = [], []
        def add(clause: str, name: str, value: Any) -> None:
            clauses.append(clause)
            parameters.append({"name": name, "value": value})
        if self.device_id is not None:
            add("c.device_id = @device", "@device", self.device_id)
        if self.start is not None:
            add("c.timestamp >= @start", "@start", self.start)
        if self.end is not None:
            add("c.timestamp <= @end", "@end", self.end)
        if self.after is not None:
            add(f"c.timestamp {'>' if self.ascending else '<'} @after", "@after", self.after)
        if self.before is not None:
            add("c.timestamp < @before", "@before", self.before)
        top = f"TOP {int(self.limit)} " if self.limit else ""
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        order = f" ORDER BY c.timestamp {'ASC' if self.ascending else 'DESC'}" if self.device_id is not None else ""
        return f"SELECT {top}* FROM c{where}{order}", parameters


class CosmosContainer(Protocol):
    def upsert(self, item: Mapping[str, Any]) -> None: ...

    def query(self, query: CosmosQuery) -> list[dict[str, Any]]: ...

    def delete(self, item_id: str, device_id: str) -> None: ...


def item_id(record: Mapping[str, Any]) -> str:
    """Cosmos ids may not contain / \\ ? #; device ids, timestamps and record ids never do."""
    return f"{record['device_id']}_{record['timestamp']}_{record[RECORD_ID]}"


def legacy_item_id(record: Mapping[str, Any]) -> str:
    """The id of an item written before record ids existed."""
    return f"{record['device_id']}_{record['timestamp']}"


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    record = {key: value for key, value in item.items() if key not in SYSTEM_FIELDS}
    record["timestamp"], record[RECORD_ID] = split_storage_key(
        record["timestamp"], record["device_id"], record.get(RECORD_ID)
    )
    return record


class CosmosHotStore:
    def __init__(self, container: CosmosContainer, retention_days: int | None = None) -> None:
        self._container, self._retention_days = container, retention_days

    def put(self, records: Sequence[Mapping[str, Any]]) -> None:
        for record in records:
            self._container.upsert(
                {**record, "timestamp": storage_key(record), "id": item_id(record), **self._ttl(record)}
            )

    def _ttl(self, record: Mapping[str, Any]) -> dict[str, int]:
        """Per-item TTL: retention (plus the mover's grace) counted from the record's own timestamp."""
        if self._retention_days is None:
            return {}
        expires = parse_timestamp(record["timestamp"]).timestamp() + self._retention_days * 86400 + GRACE_SECONDS
        return {"ttl": min(MAX_TTL_SECONDS, max(1, int(expires - time.time())))}

    def query_range(self, device_id: str, start: str, end: str, limit: int, cursor: str | None, ascending: bool) -> Page:
        low, high = key_range(start, end)
        after = cursor_position(cursor, device_id, low, high) if cursor else None
        items = self._container.query(CosmosQuery(device_id, low, high, after, ascending, limit + 1))
        return Page(*next_cursor(device_id, [from_item(item) for item in items], limit))

    def latest(self, device_id: str) -> dict[str, Any] | None:
        items = self._container.query(CosmosQuery(device_id, ascending=False, limit=1))
        return from_item(items[0]) if items else None

    def expired(self, before: str) -> list[dict[str, Any]]:
        """Every record older than `before` (the hot→cold mover's cross-partition read)."""
        return [from_item(item) for item in self._container.query(CosmosQuery(None, before=before))]

    def remove(self, records: Sequence[Mapping[str, Any]]) -> None:
        for record in records:
            self._container.delete(item_id(record), record["device_id"])
            if record[RECORD_ID] == legacy_record_id(record["device_id"], record["timestamp"]):
                self._container.delete(legacy_item_id(record), record["device_id"])  # may predate record ids


class CosmosRestContainer:
    """The Cosmos DB SQL REST API with an Entra ID token (local/key auth is disabled on the account)."""

    API_VERSION = "2018-12-31"

    def __init__(self, endpoint: str, database: str, container: str) -> None:
        self._endpoint = endpoint.rstrip("/")
        self._link = f"dbs/{quote(database)}/colls/{quote(container)}"

    def _headers(self, partition_key: str | None, **extra: str) -> dict[str, str]:
        headers = {
            "Authorization": quote(f"type=aad&ver=1.0&sig={identity.token(identity.COSMOS)}", safe=""),
            "x-ms-version": self.API_VERSION,
            "x-ms-date": formatdate(usegmt=True),
            **extra,
        }
        if partition_key is not None:
            headers["x-ms-documentdb-partitionkey"] = json.dumps([partition_key])
        return headers

    def upsert(self, item: Mapping[str, Any]) -> None:
        headers = self._headers(item["device_id"], **{"Content-Type": "application/json",
                                                      "x-ms-documentdb-is-upsert": "True"})
        rest.checked("POST", f"{self._endpoint}/{self._link}/docs", headers, json.dumps(item).encode())

    def delete(self, item_id: str, device_id: str) -> None:
        rest.checked("DELETE", f"{self._endpoint}/{self._link}/docs/{quote(item_id)}", self._headers(device_id),
                     allow=(404,))

    def query(self, query: CosmosQuery) -> list[dict[str, Any]]:
        text, parameters = query.sql()
        body = json.dumps({"query": text, "parameters": parameters}).encode()
        items, continuation = [], None
        while True:
            extra = {"Content-Type": "application/query+json", "x-ms-documentdb-isquery": "True"}
            if query.device_id is None:
                extra["x-ms-documentdb-query-enablecrosspartition"] = "True"
            if continuation:
                extra["x-ms-continuation"] = continuation
            _, headers, payload = rest.checked("POST", f"{self._endpoint}/{self._link}/docs",
                                               self._headers(query.device_id, **extra), body)
            items += rest.json_body(payload)["Documents"]
            continuation = headers.get("x-ms-continuation")
            if not continuation or (query.limit and len(items) >= query.limit):
                return items[: query.limit] if query.limit else items
