"""L3 cold → archive mover (Cloud Scheduler, daily; only when archive is on another cloud):
cold objects older than the cold window are sent to the archive writer as they are (they are
mover payloads already), then deleted from the cold bucket. An object that can never be forwarded
(not a valid payload) is logged at ERROR and left in cold, so it does not stop the run.

When archive is on Google too, no code runs: the cold bucket's lifecycle rule changes the
object's class to ARCHIVE (constructs_lib.gcp.tier_bucket).
"""

from __future__ import annotations

import functools
import json
import logging
import time
from datetime import datetime, timedelta, timezone
from typing import Any

from runtime.core.config import positive_int
from runtime.core.errors import InvalidInput
from runtime.core.http_client import InterCloudClient, validate_url
from runtime.core.mover import stored_payloads
from runtime.gcp import clients
from runtime.gcp.bridge import remote_client
from runtime.gcp.environment import handler_environment
from runtime.gcp.http_io import internal

TIME_BUDGET_SECONDS = 480.0

logger = logging.getLogger(__name__)

_env = handler_environment()
COLD_BUCKET_NAME = _env.required("COLD_BUCKET_NAME")
COLD_RETENTION_DAYS = _env.required("COLD_RETENTION_DAYS", parse=positive_int)
REMOTE_URL = _env.required("REMOTE_URL", parse=validate_url)
REMOTE_TOKEN_SECRET = _env.required("REMOTE_TOKEN_SECRET")
_env.check()


def move(_: Any = None, now: datetime | None = None, clock=time.monotonic) -> dict[str, int]:
    cutoff = (now or datetime.now(timezone.utc)) - timedelta(days=COLD_RETENTION_DAYS)
    started, moved = clock(), 0
    for blob in clients.storage().list_blobs(COLD_BUCKET_NAME):
        if clock() - started >= TIME_BUDGET_SECONDS:
            break
        if blob.time_created is None or blob.time_created >= cutoff:
            continue
        try:
            payloads = stored_payloads(json.loads(blob.download_as_bytes()))
        except (InvalidInput, ValueError) as exc:
            logger.error("cold object %r cannot be archived and stays in cold: %s", blob.name, exc)
            continue
        for payload in payloads:
            _client().post(payload.to_dict())
        blob.delete()
        moved += 1
    return {"objects": moved}


@functools.cache
def _client() -> InterCloudClient:
    return remote_client(REMOTE_URL, REMOTE_TOKEN_SECRET)


def handler(request: Any) -> tuple[str, int, dict[str, str]]:
    return internal(request, move)
