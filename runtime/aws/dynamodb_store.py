"""The hot store on DynamoDB: partition key `device_id`, sort key `timestamp`, TTL on `ttl`.

`ttl` (epoch seconds of the record's timestamp + retention) lets DynamoDB expire records
natively; the stream's expiry REMOVE events feed the hot→cold mover.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Key

from runtime.aws import clients
from runtime.core.reader import Page, ReaderQueryError, decode_cursor, encode_cursor
from runtime.core.telemetry import parse_timestamp

TTL_ATTRIBUTE = "ttl"
_SECONDS_PER_DAY = 86_400


class DynamoHotStore:
    def __init__(self, table_name: str, retention_days: int | None = None) -> None:
        """`retention_days` is needed only to write."""
        self._table_name, self._retention_days = table_name, retention_days

    def put(self, records: Sequence[Mapping[str, Any]]) -> None:
        if self._retention_days is None:
            raise RuntimeError("this store was opened read-only (no retention days)")
        with self._table.batch_writer(overwrite_by_pkeys=["device_id", "timestamp"]) as batch:
            for record in records:
                batch.put_item(Item=self._item(record))

    def query_range(
        self, device_id: str, start: str, end: str, limit: int, cursor: str | None, ascending: bool
    ) -> Page:
        arguments: dict[str, Any] = {
            "KeyConditionExpression": Key("device_id").eq(device_id) & Key("timestamp").between(start, end),
            "Limit": limit,
            "ScanIndexForward": ascending,
        }
        if cursor:
            arguments["ExclusiveStartKey"] = _start_key(cursor, device_id)
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
        return {**item, TTL_ATTRIBUTE: expires}


def from_dynamodb(item: Mapping[str, Any]) -> dict[str, Any]:
    """A stored item as a plain record: Decimals back to int/float, the TTL attribute dropped."""
    return {key: _plain(value) for key, value in item.items() if key != TTL_ATTRIBUTE}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def _start_key(cursor: str, device_id: str) -> dict[str, str]:
    key = decode_cursor(cursor)
    if not isinstance(key, dict) or key.get("device_id") != device_id or not isinstance(key.get("timestamp"), str):
        raise ReaderQueryError("next_token does not belong to this query")
    return {"device_id": device_id, "timestamp": key["timestamp"]}
