"""L2: store records in Firestore (or send them to the hot writer on another cloud), update the
twins when L4 is Azure Digital Twins (TWIN_UPDATE_URL: the ADT updater, envelope target "L4"),
then call the event checker with them (runtime.core.persister)."""

from __future__ import annotations

from typing import Any

from runtime.core.config import positive_int
from runtime.core.http_client import validate_url
from runtime.core.persister import Persister
from runtime.gcp import internal
from runtime.gcp.bridge_clients import BRIDGE_CLIENTS
from runtime.gcp.environment import handler_environment
from runtime.gcp.http_io import internal as serve_internal
from runtime.gcp.store import hot_store
from twin_contract import functions as s
from twin_contract.wire import HOT_STORAGE_LAYER, TWIN_UPDATE_LAYER

_env = handler_environment()
MODE, SETTINGS = _env.mode(
    local={s.HOT_DATABASE: str, s.HOT_COLLECTION: str, s.HOT_RETENTION_DAYS: positive_int},
    remote={s.REMOTE_URL: validate_url, s.REMOTE_TOKEN_SECRET: str},
)
EVENT_CHECKER_URL = _env.optional(s.EVENT_CHECKER_URL, parse=validate_url)
persister = Persister(
    store=BRIDGE_CLIENTS.records_sink(
        MODE, SETTINGS,
        lambda: hot_store(SETTINGS[s.HOT_DATABASE], SETTINGS[s.HOT_COLLECTION], SETTINGS[s.HOT_RETENTION_DAYS]),
        HOT_STORAGE_LAYER,
    ),
    update_twin=BRIDGE_CLIENTS.optional_records(_env, TWIN_UPDATE_LAYER, s.TWIN_UPDATE),
    check_events=(lambda records: internal.call(EVENT_CHECKER_URL, records)) if EVENT_CHECKER_URL else None,
)
_env.check()


def persist(event: Any) -> dict[str, int]:
    return {"count": persister(event)}


def handler(request: Any) -> tuple[str, int, dict[str, str]]:
    return serve_internal(request, persist)
