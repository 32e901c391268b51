"""L3 cold → archive mover (timer, daily; only when the archive tier is on another cloud): cold
blobs older than the cold retention → the remote archive writer, then deleted from cold.
(With both tiers on Azure a lifecycle policy archives blobs in place: no code.) A blob that can
never be forwarded (not a valid payload) is logged at ERROR and left in cold, so it does not stop
the run; other errors raise (runtime.core.moving)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import azure.functions as func

from runtime.azure.blob_storage import BlobContainer
from runtime.azure.bridge_clients import BRIDGE_CLIENTS
from runtime.azure.environment import handler_environment
from runtime.azure.functions._shared import on_schedule
from runtime.core.config import positive_int
from runtime.core.moving import StoredObject, forward_objects
from twin_contract import functions as s

SCHEDULE = "0 41 3 * * *"  # daily, 03:41 UTC

_env = handler_environment()
COLD_CONTAINER_URL = _env.required(s.COLD_CONTAINER_URL)
COLD_RETENTION_DAYS = _env.required(s.COLD_RETENTION_DAYS, parse=positive_int)
_client = BRIDGE_CLIENTS.remote_client(_env)
_env.check()

bp = func.Blueprint()


def move(now: datetime | None = None, container: BlobContainer | None = None, client=None) -> int:
    container = container or BlobContainer(COLD_CONTAINER_URL)
    cutoff = (now or datetime.now(timezone.utc)) - timedelta(days=COLD_RETENTION_DAYS)
    old = [
        StoredObject(blob.name, lambda name=blob.name: container.get_json(name),
                     lambda name=blob.name: container.delete(name))
        for blob in list(container.list()) if blob.last_modified < cutoff
    ]
    return forward_objects(old, lambda payload: (client if client is not None else _client()).post(payload))


@on_schedule(bp, s.COLD_TO_ARCHIVE, SCHEDULE)
def on_timer(timer: func.TimerRequest) -> None:
    move()
