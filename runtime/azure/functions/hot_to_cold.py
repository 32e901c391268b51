"""L3 hot → cold mover (timer, hourly): records older than the hot retention, grouped per device
and day into mover payloads, written as Cool blobs (cold on Azure) or sent to the remote cold
writer, then removed from Cosmos. Errors raise: nothing is removed before it is stored."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import azure.functions as func

from runtime.azure.blob_storage import COOL, BlobContainer, put_payload
from runtime.azure.bridge_clients import BRIDGE_CLIENTS
from runtime.azure.environment import SOURCE_CLOUD, handler_environment
from runtime.azure.functions._shared import cosmos_store, on_schedule
from runtime.core.config import positive_int
from runtime.core.http_client import validate_url
from runtime.core.moving import move_records, payload_sink
from twin_contract.wire import format_timestamp
from twin_contract import functions as s

SCHEDULE = "0 17 * * * *"  # hourly

_env = handler_environment()
STORE = cosmos_store(_env, writable=False)
RETENTION_DAYS = _env.required(s.HOT_RETENTION_DAYS, parse=positive_int)
MODE, SETTINGS = _env.mode(
    local={s.COLD_CONTAINER_URL: str},
    remote={s.REMOTE_URL: validate_url, s.REMOTE_TOKEN_SECRET: str},
)
_env.check()

bp = func.Blueprint()


def move(now: datetime | None = None, store=None, container: BlobContainer | None = None) -> dict[str, int]:
    store = store or STORE
    cutoff = format_timestamp((now or datetime.now(timezone.utc)) - timedelta(days=RETENTION_DAYS))
    records = store.expired(cutoff)
    deliver = payload_sink(
        MODE,
        lambda: lambda payload: put_payload(container or BlobContainer(SETTINGS[s.COLD_CONTAINER_URL]), payload, COOL),
        lambda: BRIDGE_CLIENTS.client(SETTINGS[s.REMOTE_URL], SETTINGS[s.REMOTE_TOKEN_SECRET]),
    )
    objects = move_records(records, SOURCE_CLOUD, deliver, lambda payload: store.remove(payload.records))
    return {"records": len(records), "objects": objects}


@on_schedule(bp, s.HOT_TO_COLD, SCHEDULE)
def on_timer(timer: func.TimerRequest) -> None:
    move()
