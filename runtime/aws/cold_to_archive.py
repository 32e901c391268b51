"""L3 cold → archive bridge sender: each new cold object is forwarded to the remote archive writer.

Archiving on write mirrors what S3 Replication does when both tiers are on AWS, so the cold bucket
can expire its copy after the cold window either way. The object *is* a mover payload (see
object_storage.put_payload); it is re-validated before it leaves. An object that can never be
forwarded (not a valid payload) is logged at ERROR and skipped, so it does not block the objects
after it; other errors raise, so S3's asynchronous invoke retries and then parks the event in the
failure queue.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import unquote_plus

from runtime.aws import clients
from runtime.aws.bridge_clients import BRIDGE_CLIENTS
from runtime.aws.environment import handler_environment, runs_as
from runtime.core.moving import StoredObject, forward_objects
from twin_contract import functions as s

_env = handler_environment()
COLD_BUCKET_NAME = _env.required(s.COLD_BUCKET_NAME)
_client = BRIDGE_CLIENTS.remote_client(_env)
_env.check()


@runs_as(s.COLD_TO_ARCHIVE)
def handler(event: Mapping[str, Any], context: Any = None) -> dict[str, int]:
    return {"forwarded": forward_objects(_created_objects(event), lambda payload: _client().post(payload))}


def _created_objects(event: Mapping[str, Any]) -> Iterator[StoredObject]:
    """The objects of the notification; the cold bucket expires them itself after the cold window."""
    for record in event.get("Records", []):
        if not str(record.get("eventName", "")).startswith("ObjectCreated:"):
            continue
        bucket = record["s3"]["bucket"]["name"]
        if bucket != COLD_BUCKET_NAME:
            raise ValueError(f"event for bucket {bucket!r}, expected the cold bucket {COLD_BUCKET_NAME!r}")
        key = unquote_plus(record["s3"]["object"]["key"])  # S3 events URL-encode keys
        yield StoredObject(key, lambda bucket=bucket, key=key: json.loads(_read(bucket, key)))


def _read(bucket: str, key: str) -> bytes:
    return clients.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
