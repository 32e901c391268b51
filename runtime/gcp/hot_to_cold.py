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

PAGE_SIZE = 1000  # records of one query (the oldest of all devices, or of one device)
MOVE_BATCH = 20_000  # records moved in one round, at most (the function's memory)
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
        oldest = store.older_than(cutoff, PAGE_SIZE)
        if not oldest:
            break
        records = _of_devices(store, cutoff, oldest)
        objects += move_records(records, SOURCE_CLOUD, _deliver)
        store.delete(records)
        moved += len(records)
    return {"records": moved, "objects": objects}


def _of_devices(store: Any, cutoff: str, oldest: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The expired records of the devices in the oldest page, device by device, up to MOVE_BATCH.

    A page in time order interleaves every device that sent then: a fleet's page holds about one
    record per device, and moved as it is would make one object per record. Read per device, a
    device and day make one object (up to PAGE_SIZE records; the rest moves on a next round)."""
    records: list[dict[str, Any]] = []
    for device_id in dict.fromkeys(record["device_id"] for record in oldest):
        if records and len(records) + PAGE_SIZE > MOVE_BATCH:
            break  # the page's other devices come back in the next oldest page
        records += store.older_than(cutoff, PAGE_SIZE, device_id)
    return records


def handler(request: Any) -> tuple[str, int, dict[str, str]]:
    return internal(request, move)
