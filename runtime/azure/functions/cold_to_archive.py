"""L3 cold → archive mover (timer, daily; only when the archive tier is on another cloud): cold
blobs older than the cold retention → the remote archive writer, then deleted from cold.
(With both tiers on Azure a lifecycle policy archives blobs in place: no code.) A blob that can
never be forwarded (not a valid payload) is logged at ERROR and left in cold, so it does not stop
the run; other errors raise."""

from __future__ import annotations

import functools
import logging
from datetime import datetime, timedelta, timezone

import azure.functions as func

from runtime.azure.blob_storage import BlobContainer
from runtime.azure.bridge import remote_client
from runtime.azure.environment import handler_environment
from runtime.core.config import positive_int
from runtime.core.errors import InvalidInput
from runtime.core.http_client import InterCloudClient, validate_url
from runtime.core.mover import stored_payloads

logger = logging.getLogger(__name__)

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
        try:
            payloads = stored_payloads(container.get_json(blob.name))  # our own objects: mover payloads
        except (InvalidInput, ValueError) as exc:
            logger.error("cold blob %r cannot be archived and stays in cold: %s", blob.name, exc)
            continue
        for payload in payloads:
            (client if client is not None else _client()).post(payload.to_dict())
        container.delete(blob.name)
        moved += 1
    return moved


def on_timer(timer: func.TimerRequest) -> None:
    move()


bp.function_name("cold_to_archive")(bp.timer_trigger(arg_name="timer", schedule=SCHEDULE, run_on_startup=False)(on_timer))
