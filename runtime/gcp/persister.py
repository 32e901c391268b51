"""L2: store records in Firestore (or send them to the hot writer on another cloud), update the
twins when L4 is Azure Digital Twins (TWIN_UPDATE_URL: the ADT updater, envelope target "L4"),
then call the event checker with them."""

from __future__ import annotations

import functools
from typing import Any

from runtime.core.config import positive_int
from runtime.core.envelope import HOT_STORAGE_LAYER, TWIN_UPDATE_LAYER
from runtime.core.http_client import validate_url
from runtime.core.sender import RecordSender
from runtime.core.telemetry import as_records, normalize_record
from runtime.gcp import internal
from runtime.gcp.bridge import record_sender
from runtime.gcp.environment import handler_environment
from runtime.gcp.firestore_store import FirestoreHotStore
from runtime.gcp.http_io import internal as serve_internal
from runtime.gcp.store import hot_store

_env = handler_environment()
MODE, SETTINGS = _env.mode(
    local={"HOT_DATABASE": str, "HOT_COLLECTION": str, "HOT_RETENTION_DAYS": positive_int},
    remote={"REMOTE_URL": validate_url, "REMOTE_TOKEN_SECRET": str},
)
EVENT_CHECKER_URL = _env.optional("EVENT_CHECKER_URL", parse=validate_url)
TWIN_UPDATE_URL = _env.optional("TWIN_UPDATE_URL", parse=validate_url)
TWIN_UPDATE_TOKEN_SECRET = _env.required("TWIN_UPDATE_TOKEN_SECRET") if TWIN_UPDATE_URL else None
_env.check()


@functools.cache
def _sink() -> FirestoreHotStore | RecordSender:
    if MODE == "local":
        return hot_store(SETTINGS["HOT_DATABASE"], SETTINGS["HOT_COLLECTION"], SETTINGS["HOT_RETENTION_DAYS"])
    return record_sender(SETTINGS["REMOTE_URL"], SETTINGS["REMOTE_TOKEN_SECRET"], HOT_STORAGE_LAYER)


@functools.cache
def _twin_updates() -> RecordSender:
    return record_sender(TWIN_UPDATE_URL, TWIN_UPDATE_TOKEN_SECRET, TWIN_UPDATE_LAYER)


def persist(event: Any) -> dict[str, int]:
    records = [normalize_record(raw) for raw in as_records(event)]
    _sink().put(records)
    if TWIN_UPDATE_URL and records:
        _twin_updates().put(records)
    if EVENT_CHECKER_URL and records:
        internal.call(EVENT_CHECKER_URL, records)
    return {"count": len(records)}


def handler(request: Any) -> tuple[str, int, dict[str, str]]:
    return serve_internal(request, persist)
