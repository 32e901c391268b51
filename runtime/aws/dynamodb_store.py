"""The hot store on DynamoDB: partition key `device_id`, sort key `timestamp`, TTL on `ttl`.

The sort key holds the record's storage key `<timestamp>#<record_id>` (the table's key schema is
unchanged, so no table is replaced): readings of one millisecond stay apart, a replayed record
overwrites itself, and keys still sort by time. Items written before record ids existed have a
bare timestamp there and read back the same way. `ttl` (epoch seconds of the record's timestamp
+ retention) lets DynamoDB expire records natively; the stream's expiry REMOVE events feed the
hot→cold mover.
"""

from __future__ import annotations

import decimal
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Key
from boto3.dynamodb.types import TypeSerializer

from runtime.aws import clients
from runtime.core.errors import InvalidInput
from runtime.core.reader import Page, cursor_position, encode_cursor
from runtime.core.record_identity import RECORD_ID, key_range, split_storage_key, storage_key
from runtime.core.telemetry import parse_timestamp

TTL_ATTRIBUTE = "ttl"
MAX_ITEM_BYTES = 400 * 1024
_SECONDS_PER_DAY = 86_400
_serializer = TypeSerializer()


class ItemError(InvalidInput):
    """A record DynamoDB cannot hold (runtime.core.limits normally refuses it earlier)."""

    code = "invalid_record"


class DynamoHotStore:
    def __init__(self, table_name: str, retention_days: int | None = None) -> None:
        """`retention_days` is needed only to write."""
        self._table_name, self._retention_days = table_name, retention_days

    def put(self, records: Sequence[Mapping[str, Any]]) -> None:
        if self._retention_days is None:
            raise RuntimeError("this store was opened read-only (no retention days)")
        items = [self._item(record) for record in records]  # every item checked before any is written
        with self._table.batch_writer(overwrite_by_pkeys=["device_id", "timestamp"]) as batch:
            for item in items:
                batch.put_item(Item=item)

    def query_range(
        self, device_id: str, start: str, end: str, limit: int, cursor: str | None, ascending: bool
    ) -> Page:
        low, high = key_range(start, end)
        arguments: dict[str, Any] = {
            "KeyConditionExpression": Key("device_id").eq(device_id) & Key("timestamp").between(low, high),
            "Limit": limit,
            "ScanIndexForward": ascending,
        }
        if cursor:
            arguments["ExclusiveStartKey"] = _start_key(cursor, device_id, low, high)
        response = self._table.query(**arguments)
        last_key = response.get("LastEvaluatedKey")
        return Page([from_dynamodb(item) for item in response["Items"]], encode_cursor(last_key) if last_key else None)

    def latest(self, device_id: str) -> dict[str, Any] | None:
        response = self._table.query(
            KeyConditionExpression=Key("device_id").eq(device_id), ScanIndexForward=False, Limit=1
        )
        return from_dynamodb(response["Items"][0]) if response["Items"] else None

    @property
    def _table(self) -> Any:
        return clients.dynamodb_table(self._table_name)

    def _item(self, record: Mapping[str, Any]) -> dict[str, Any]:
        expires = int(parse_timestamp(record["timestamp"]).timestamp()) + self._retention_days * _SECONDS_PER_DAY
        # DynamoDB numbers are Decimals; a JSON round trip converts nested floats too.
        item = json.loads(json.dumps(record), parse_float=Decimal)
        item = {**item, "timestamp": storage_key(record), TTL_ATTRIBUTE: expires}
        try:
            serialized = {name: _serializer.serialize(value) for name, value in item.items()}
        except (decimal.DecimalException, TypeError, ValueError) as exc:
            raise ItemError(f"DynamoDB cannot hold a value of this record: {type(exc).__name__}") from None
        size = sum(len(name.encode()) + _size(value) for name, value in serialized.items())
        if size > MAX_ITEM_BYTES:
            raise ItemError(f"the record needs {size} bytes as a DynamoDB item, more than {MAX_ITEM_BYTES}")
        return item


def from_dynamodb(item: Mapping[str, Any]) -> dict[str, Any]:
    """A stored item as a plain record: Decimals back to int/float, the storage key back to the
    record's timestamp and id, the TTL attribute dropped."""
    record = {key: _plain(value) for key, value in item.items() if key != TTL_ATTRIBUTE}
    record["timestamp"], record[RECORD_ID] = split_storage_key(
        record["timestamp"], record["device_id"], record.get(RECORD_ID)
    )
    return record


def _size(value: Mapping[str, Any]) -> int:
    """An attribute value's size as DynamoDB counts it (a close upper bound of its rules)."""
    (kind, content), = value.items()
    if kind == "S":
        return len(content.encode())
    if kind == "N":
        return len(content.lstrip("-").replace(".", "")) // 2 + 2
    if kind == "L":
        return 3 + sum(1 + _size(element) for element in content)
    if kind == "M":
        return 3 + sum(1 + len(name.encode()) + _size(element) for name, element in content.items())
    return 1


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def _start_key(cursor: str, device_id: str, low: str, high: str) -> dict[str, str]:
    """The cursor's key, if it lies within this query (DynamoDB refuses one outside with an error)."""
    return {"device_id": device_id, "timestamp": cursor_position(cursor, device_id, low, high)}
