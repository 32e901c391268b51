"""L2 → L3 hot bridge receiver (HTTP POST /api/hot-writer): envelope records → Cosmos DB.

Items are keyed `<device_id>_<timestamp>` in partition `device_id`: a retried delivery overwrites.
"""

from __future__ import annotations

import azure.functions as func

from runtime.azure.environment import handler_environment
from runtime.azure.functions._shared import cosmos_store
from runtime.azure.http import serve
from runtime.core.envelope import HOT_STORAGE_LAYER, records_receiver

_env = handler_environment()
WRITER_TOKEN_SECRET = _env.required("WRITER_TOKEN_SECRET")
STORE = cosmos_store(_env, writable=True)
_env.check()

bp = func.Blueprint()
_receive = records_receiver(HOT_STORAGE_LAYER, lambda records: STORE.put(records))


def write(req: func.HttpRequest) -> func.HttpResponse:
    return serve(req, WRITER_TOKEN_SECRET, _receive)


bp.function_name("hot_writer")(bp.route(route="hot-writer", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)(write))
