"""L3 cold → archive mover (Cloud Scheduler, daily; only when archive is on another cloud):
cold objects older than the cold window are sent to the archive writer as they are (they are
mover payloads already), then deleted from the cold bucket. An object that can never be forwarded
(not a valid payload) is logged at ERROR and left in cold, so it does not stop the run
(runtime.core.moving).

When archive is on Google too, no code runs: the cold bucket's lifecycle rule changes the
object's class to ARCHIVE (constructs_lib.gcp.tier_bucket).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

from runtime.core.config import positive_int
from runtime.core.moving import StoredObject, forward_objects
from runtime.gcp import clients
from runtime.gcp.bridge_clients import BRIDGE_CLIENTS
from runtime.gcp.environment import handler_environment
from runtime.gcp.http_io import internal
from twin_contract import functions as s

TIME_BUDGET_SECONDS = 480.0

_env = handler_environment()
COLD_BUCKET_NAME = _env.required(s.COLD_BUCKET_NAME)
COLD_RETENTION_DAYS = _env.required(s.COLD_RETENTION_DAYS, parse=positive_int)
_client = BRIDGE_CLIENTS.remote_client(_env)
_env.check()


def move(_: Any = None, now: datetime | None = None, clock: Callable[[], float] = time.monotonic) -> dict[str, int]:
    cutoff = (now or datetime.now(timezone.utc)) - timedelta(days=COLD_RETENTION_DAYS)
    return {"objects": forward_objects(_old_objects(cutoff, clock), lambda payload: _client().post(payload))}


def _old_objects(cutoff: datetime, clock: Callable[[], float]) -> Iterator[StoredObject]:
    """Objects older than `cutoff`, until the time budget is spent (the next run continues)."""
    started = clock()
    for blob in clients.storage().list_blobs(COLD_BUCKET_NAME):
        if clock() - started >= TIME_BUDGET_SECONDS:
            return
        if blob.time_created is not None and blob.time_created < cutoff:
            yield StoredObject(blob.name, lambda blob=blob: json.loads(blob.download_as_bytes()), blob.delete)


def handler(request: Any) -> tuple[str, int, dict[str, str]]:
    return internal(request, move)
