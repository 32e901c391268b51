"""L3 hot → cold mover: DynamoDB TTL expiries (stream REMOVE records made by the DynamoDB
service, not by users) grouped per device and day into cold objects (STANDARD_IA), or sent as
mover payloads to the cold writer on another cloud. Errors raise so the stream retries.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from runtime.aws.bridge_clients import BRIDGE_CLIENTS
from runtime.aws.dynamodb_store import from_dynamodb
from runtime.aws.environment import SOURCE_CLOUD, handler_environment, runs_as
from runtime.aws.object_storage import put_payload
from runtime.core.http_client import validate_url
from runtime.core.moving import move_records, payload_sink
from twin_contract import functions as s

COLD_STORAGE_CLASS = "STANDARD_IA"
TTL_PRINCIPAL = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}

_env = handler_environment()
MODE, SETTINGS = _env.mode(
    local={s.COLD_BUCKET_NAME: str},
    remote={s.REMOTE_URL: validate_url, s.REMOTE_TOKEN_SECRET: str},
)
_env.check()

_deserializer = TypeDeserializer()
_deliver = payload_sink(
    MODE,
    lambda: lambda payload: put_payload(SETTINGS[s.COLD_BUCKET_NAME], payload, COLD_STORAGE_CLASS),
    lambda: BRIDGE_CLIENTS.client(SETTINGS[s.REMOTE_URL], SETTINGS[s.REMOTE_TOKEN_SECRET]),
)


@runs_as(s.HOT_TO_COLD)
def handler(event: Mapping[str, Any], context: Any = None) -> dict[str, int]:
    records = [_old_image(record) for record in event.get("Records", []) if is_ttl_expiry(record)]
    return {"records": len(records), "objects": move_records(records, SOURCE_CLOUD, _deliver)}


def is_ttl_expiry(stream_record: Mapping[str, Any]) -> bool:
    identity = stream_record.get("userIdentity") or {}
    return stream_record.get("eventName") == "REMOVE" and all(identity.get(k) == v for k, v in TTL_PRINCIPAL.items())


def _old_image(stream_record: Mapping[str, Any]) -> dict[str, Any]:
    image = stream_record["dynamodb"]["OldImage"]
    return from_dynamodb({name: _deserializer.deserialize(value) for name, value in image.items()})
