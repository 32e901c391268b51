"""L3 hot → cold mover: DynamoDB TTL expiries (stream REMOVE records made by the DynamoDB
service, not by users) grouped per device and day into cold objects (STANDARD_IA), or sent as
mover payloads to the cold writer on another cloud. Errors raise so the stream retries.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from runtime.aws.bridge import remote_client
from runtime.aws.dynamodb_store import from_dynamodb
from runtime.aws.environment import SOURCE_CLOUD, handler_environment
from runtime.aws.object_storage import put_payload
from runtime.core.http_client import InterCloudClient, validate_url
from runtime.core.mover import MoverPayload, build_payloads

COLD_STORAGE_CLASS = "STANDARD_IA"
TTL_PRINCIPAL = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}

_env = handler_environment()
MODE, SETTINGS = _env.mode(
    local={"COLD_BUCKET_NAME": str},
    remote={"REMOTE_URL": validate_url, "REMOTE_TOKEN_SECRET": str},
)
_env.check()

_deserializer = TypeDeserializer()


def handler(event: Mapping[str, Any], context: Any = None) -> dict[str, int]:
    records = [_old_image(record) for record in event.get("Records", []) if is_ttl_expiry(record)]
    payloads = build_payloads(records, SOURCE_CLOUD)
    for payload in payloads:
        _deliver(payload)
    return {"records": len(records), "objects": len(payloads)}


def is_ttl_expiry(stream_record: Mapping[str, Any]) -> bool:
    identity = stream_record.get("userIdentity") or {}
    return stream_record.get("eventName") == "REMOVE" and all(identity.get(k) == v for k, v in TTL_PRINCIPAL.items())


def _old_image(stream_record: Mapping[str, Any]) -> dict[str, Any]:
    image = stream_record["dynamodb"]["OldImage"]
    return from_dynamodb({name: _deserializer.deserialize(value) for name, value in image.items()})


def _deliver(payload: MoverPayload) -> None:
    if MODE == "local":
        put_payload(SETTINGS["COLD_BUCKET_NAME"], payload, COLD_STORAGE_CLASS)
    else:
        _client().post(payload.to_dict())


@functools.cache
def _client() -> InterCloudClient:
    return remote_client(SETTINGS["REMOTE_URL"], SETTINGS["REMOTE_TOKEN_SECRET"])
