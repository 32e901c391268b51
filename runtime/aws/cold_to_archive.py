"""L3 cold → archive bridge sender: each new cold object is forwarded to the remote archive writer.

Archiving on write mirrors what S3 Replication does when both tiers are on AWS, so the cold bucket
can expire its copy after the cold window either way. The object *is* a mover payload (see
object_storage.put_payload); it is re-validated before it leaves. An object that can never be
forwarded (not a valid payload) is logged at ERROR and skipped, so it does not block the objects
after it; other errors raise, so S3's asynchronous invoke retries and then parks the event in the
failure queue.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote_plus

from runtime.aws import clients
from runtime.aws.bridge import remote_client
from runtime.aws.environment import handler_environment
from runtime.core.errors import InvalidInput
from runtime.core.http_client import InterCloudClient, validate_url
from runtime.core.mover import stored_payloads

logger = logging.getLogger(__name__)

_env = handler_environment()
COLD_BUCKET_NAME = _env.required("COLD_BUCKET_NAME")
REMOTE_URL = _env.required("REMOTE_URL", parse=validate_url)
REMOTE_TOKEN_SECRET = _env.required("REMOTE_TOKEN_SECRET")
_env.check()


def handler(event: Mapping[str, Any], context: Any = None) -> dict[str, int]:
    forwarded = 0
    for record in event.get("Records", []):
        if not str(record.get("eventName", "")).startswith("ObjectCreated:"):
            continue
        bucket = record["s3"]["bucket"]["name"]
        if bucket != COLD_BUCKET_NAME:
            raise ValueError(f"event for bucket {bucket!r}, expected the cold bucket {COLD_BUCKET_NAME!r}")
        key = unquote_plus(record["s3"]["object"]["key"])  # S3 events URL-encode keys
        body = clients.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
        try:
            payloads = stored_payloads(json.loads(body))
        except (InvalidInput, ValueError) as exc:
            logger.error("cold object %r cannot be archived and stays in the cold bucket: %s", key, exc)
            continue
        for payload in payloads:
            _client().post(payload.to_dict())
        forwarded += 1
    return {"forwarded": forwarded}


@functools.cache
def _client() -> InterCloudClient:
    return remote_client(REMOTE_URL, REMOTE_TOKEN_SECRET)
