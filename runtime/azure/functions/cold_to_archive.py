"""L3 cold → archive mover (timer, daily; only when the archive tier is on another cloud): cold
blobs older than the cold retention → the remote archive writer, then deleted from cold.
(With both tiers on Azure a lifecycle policy archives blobs in place: no code.)"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta, timezone

import azure.functions as func

from runtime.azure.blob_storage import BlobContainer
from runtime.azure.bridge import remote_client
from runtime.azure.environment import handler_environment
from runtime.core.config import positive_int
from runtime.core.http_client import InterCloudClient, validate_url
from runtime.core.mover import parse_payload

SCHEDULE = "0 41 3 * * *"  # daily, 03:41 UTC

_env = handler_environment()
COLD_CONTAINER_URL = _env.required("COLD_CONTAINER_URL")
COLD_RETENTION_DAYS = _env.required("COLD_RETENTION_DAYS", parse=positive_int)
REMOTE_URL = _env.required("REMOTE_URL", parse=validate_url)
REMOTE_TOKEN_SECRET = _env.required("REMOTE_TOKEN_SECRET")
_env.check()

bp = func.Blueprint()


@functools.cache
def _client() -> InterCloudClient:
    return remote_client(REMOTE_URL, REMOTE_TOKEN_SECRET)


def move(now: datetime | None = None, container: BlobContainer | None = None, client=None) -> int:
    container = container or BlobContainer(COLD_CONTAINER_URL)
    cutoff = (now or datetime.now(timezone.utc)) - timedelta(days=COLD_RETENTION_DAYS)
    moved = 0
    for blob in list(container.list()):
        if blob.last_modified >= cutoff:
            continue
        payload = parse_payload(container.get_json(blob.name))  # our own objects: one mover payload each
        (client if client is not None else _client()).post(payload.to_dict())
        container.delete(blob.name)
        moved += 1
    return moved


def on_timer(timer: func.TimerRequest) -> None:
    move()


bp.function_name("cold_to_archive")(bp.timer_trigger(arg_name="timer", schedule=SCHEDULE, run_on_startup=False)(on_timer))
