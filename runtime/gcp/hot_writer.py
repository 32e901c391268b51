"""L2 → L3 hot bridge receiver (public URL, token checked): envelope records → Firestore.

Documents are keyed by the record's storage key, so a retried delivery overwrites instead of duplicating.
"""

from __future__ import annotations

from typing import Any

from runtime.core.config import positive_int
from runtime.core.envelope import records_receiver
from runtime.gcp.environment import SOURCE_CLOUD, handler_environment
from runtime.gcp.http_io import serve
from runtime.gcp.store import hot_store, store_settings
from twin_contract import functions as s
from twin_contract.wire import HOT_STORAGE_LAYER

_env = handler_environment()
INBOUND_TOKEN_SECRET = _env.required(s.INBOUND_TOKEN_SECRET)
HOT_DATABASE, HOT_COLLECTION = store_settings(_env)
HOT_RETENTION_DAYS = _env.required(s.HOT_RETENTION_DAYS, parse=positive_int)
_env.check()


def _put(records: list[dict[str, Any]]) -> None:
    hot_store(HOT_DATABASE, HOT_COLLECTION, HOT_RETENTION_DAYS).put(records)


_receive = records_receiver(HOT_STORAGE_LAYER, _put, SOURCE_CLOUD)


def handler(request: Any) -> tuple[str, int, dict[str, str]]:
    return serve(request, INBOUND_TOKEN_SECRET, _receive)
