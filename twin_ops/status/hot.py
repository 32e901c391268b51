"""The newest record of each device in hot storage, read the way the hot readers read it.

DynamoDB: a descending query on the device's partition; Cosmos DB: `TOP 1 … ORDER BY c.timestamp
DESC` within the device's partition (SQL REST API, Entra ID token); Firestore: the device filter
ordered by timestamp, descending, limit 1 (the stack's composite index serves it).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from email.utils import formatdate
from typing import Any
from urllib.parse import quote

from twin_ops.azure_storage import Transport, http_request

# Bookkeeping fields of the stores, not part of the record.
STORE_FIELDS = {"device_id", "ttl", "id"}
COSMOS_SCOPE = "https://cosmos.azure.com/.default"
COSMOS_API_VERSION = "2018-12-31"


class HotStoreMissing(LookupError):
    """The hot store does not exist: its stack is not deployed (reported as such, not as an error)."""


def shown(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in STORE_FIELDS and not k.startswith("_")}


def dynamodb_newest(dynamodb: Any, table: str, device_id: str) -> dict[str, Any] | None:
    from boto3.dynamodb.types import TypeDeserializer

    try:
        answer = dynamodb.query(
            TableName=table, KeyConditionExpression="device_id = :d", ExpressionAttributeValues={":d": {"S": device_id}},
            ScanIndexForward=False, Limit=1,
        )
    except dynamodb.exceptions.ResourceNotFoundException as error:
        raise HotStoreMissing(f"table {table}") from error
    deserializer = TypeDeserializer()
    items = [{k: _plain(deserializer.deserialize(v)) for k, v in item.items()} for item in answer.get("Items", [])]
    return shown(items[0]) if items else None


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal: show them as the JSON numbers they were written as."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


class CosmosHot:
    def __init__(self, endpoint: str, database: str, container: str, tokens: Callable[[str], str],
                 transport: Transport = http_request) -> None:
        self._url = f"{endpoint.rstrip('/')}/dbs/{quote(database)}/colls/{quote(container)}/docs"
        self._tokens, self._transport = tokens, transport

    def newest(self, device_id: str) -> dict[str, Any] | None:
        body = json.dumps({
            "query": "SELECT TOP 1 * FROM c WHERE c.device_id = @device ORDER BY c.timestamp DESC",
            "parameters": [{"name": "@device", "value": device_id}],
        }).encode()
        headers = {
            "Authorization": quote(f"type=aad&ver=1.0&sig={self._tokens(COSMOS_SCOPE)}", safe=""),
            "x-ms-version": COSMOS_API_VERSION,
            "x-ms-date": formatdate(usegmt=True),
            "Content-Type": "application/query+json",
            "x-ms-documentdb-isquery": "True",
            "x-ms-documentdb-partitionkey": json.dumps([device_id]),
        }
        status, _, payload = self._transport("POST", self._url, headers, body)
        if status == 404:
            raise HotStoreMissing(f"Cosmos DB container {self._url.rsplit('/docs', 1)[0]}")
        if not 200 <= status < 300:
            raise RuntimeError(f"Cosmos DB query answered HTTP {status}")
        documents = json.loads(payload).get("Documents", [])
        return shown(documents[0]) if documents else None


def firestore_newest(client: Any, collection: str, device_id: str) -> dict[str, Any] | None:
    from google.api_core.exceptions import NotFound
    from google.cloud.firestore_v1.base_query import FieldFilter

    query = (
        client.collection(collection)
        .where(filter=FieldFilter("device_id", "==", device_id))
        .order_by("timestamp", direction="DESCENDING")
        .limit(1)
    )
    try:
        for snapshot in query.stream():
            return shown(snapshot.to_dict())
    except NotFound as error:  # the database does not exist
        raise HotStoreMissing(f"Firestore collection {collection}") from error
    return None
