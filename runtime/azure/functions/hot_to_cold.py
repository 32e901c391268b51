"""L3 hot → cold mover (timer, hourly): records older than the hot retention, grouped per device
and day into mover payloads, written as Cool blobs (cold on Azure) or sent to the remote cold
writer, then removed from Cosmos. Errors raise: nothing is removed before it is stored."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta, timezone

import azure.functions as func

from runtime.azure.blob_storage import COOL, BlobContainer, put_payload
from runtime.azure.bridge import remote_client
from runtime.azure.environment import SOURCE_CLOUD, handler_environment
from runtime.azure.functions._shared import cosmos_store
from runtime.core.config import positive_int
from runtime.core.http_client import InterCloudClient, validate_url
from runtime.core.mover import build_payloads
from runtime.core.telemetry import format_timestamp

SCHEDULE = "0 17 * * * *"  # hourly

_env = handler_environment()
STORE = cosmos_store(_env, writable=False)
RETENTION_DAYS = _env.required("HOT_RETENTION_DAYS", parse=positive_int)
MODE, SETTINGS = _env.mode(
    local={"COLD_CONTAINER_URL": str},
    remote={"REMOTE_URL": validate_url, "REMOTE_TOKEN_SECRET": str},
)
_env.check()

bp = func.Blueprint()


@functools.cache
def _client() -> InterCloudClient:
    return remote_client(SETTINGS["REMOTE_URL"], SETTINGS["REMOTE_TOKEN_SECRET"])


def move(now: datetime | None = None, store=None, container: BlobContainer | None = None) -> dict[str, int]:
    store = store or STORE
    cutoff = format_timestamp((now or datetime.now(timezone.utc)) - timedelta(days=RETENTION_DAYS))
    records = store.expired(cutoff)
    payloads = build_payloads(records, SOURCE_CLOUD)
    for payload in payloads:
        if MODE == "local":
            put_payload(container or BlobContainer(SETTINGS["COLD_CONTAINER_URL"]), payload, COOL)
        else:
            _client().post(payload.to_dict())
        store.remove(payload.records)
    return {"records": len(records), "objects": len(payloads)}


def on_timer(timer: func.TimerRequest) -> None:
    move()


bp.function_name("hot_to_cold")(bp.timer_trigger(arg_name="timer", schedule=SCHEDULE, run_on_startup=False)(on_timer))
