"""L3 hot → cold mover (Cloud Scheduler, daily): Firestore records past the hot window, grouped
per device and day into mover payloads, written to the cold bucket (cold on Google) or sent to
the cold writer on another cloud; records are deleted from Firestore only after delivery.

Firestore has no change stream of TTL deletions to hang this on (as DynamoDB Streams do), so
the mover runs on a schedule and TTL (hot window + grace) only backs it up. It works in pages
until nothing is left or the time budget is spent; the next run continues. Errors raise, so
Cloud Scheduler retries; a repeated move rewrites the same object key.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Any

from runtime.core.config import positive_int
from runtime.core.http_client import validate_url
from runtime.core.moving import move_records, payload_sink
from twin_contract.wire import format_timestamp
from runtime.gcp.bridge_clients import BRIDGE_CLIENTS
from runtime.gcp.environment import SOURCE_CLOUD, handler_environment
from runtime.gcp.http_io import internal
from runtime.gcp.object_storage import put_payload
from runtime.gcp.store import hot_store, store_settings
from twin_contract import functions as s

PAGE_SIZE = 1000
TIME_BUDGET_SECONDS = 480.0  # the function's timeout is 540 s

_env = handler_environment()
HOT_DATABASE, HOT_COLLECTION = store_settings(_env)
HOT_RETENTION_DAYS = _env.required(s.HOT_RETENTION_DAYS, parse=positive_int)
MODE, SETTINGS = _env.mode(
    local={s.COLD_BUCKET_NAME: str},
    remote={s.REMOTE_URL: validate_url, s.REMOTE_TOKEN_SECRET: str},
)
_env.check()

_deliver = payload_sink(
    MODE,
    lambda: lambda payload: put_payload(SETTINGS[s.COLD_BUCKET_NAME], payload),
    lambda: BRIDGE_CLIENTS.client(SETTINGS[s.REMOTE_URL], SETTINGS[s.REMOTE_TOKEN_SECRET]),
)


def move(_: Any = None, now: datetime | None = None, clock=time.monotonic) -> dict[str, int]:
    store = hot_store(HOT_DATABASE, HOT_COLLECTION, HOT_RETENTION_DAYS)
    cutoff = format_timestamp((now or datetime.now(timezone.utc)) - timedelta(days=HOT_RETENTION_DAYS))
    started, moved, objects = clock(), 0, 0
    while clock() - started < TIME_BUDGET_SECONDS:
        records = store.older_than(cutoff, PAGE_SIZE)
        if not records:
            break
        objects += move_records(records, SOURCE_CLOUD, _deliver)
        store.delete(records)
        moved += len(records)
    return {"records": moved, "objects": objects}


def handler(request: Any) -> tuple[str, int, dict[str, str]]:
    return internal(request, move)
