"""L2 → L3 hot bridge receiver (HTTP POST /api/hot-writer): envelope records → Cosmos DB.

Items are keyed by the record's storage key in partition `device_id`: a retried delivery overwrites.
"""

from __future__ import annotations

import azure.functions as func

from runtime.azure.environment import SOURCE_CLOUD, handler_environment
from runtime.azure.functions._shared import cosmos_store, on_post
from runtime.azure.http import serve
from runtime.core.envelope import records_receiver
from twin_contract import functions as s
from twin_contract.wire import HOT_STORAGE_LAYER

_env = handler_environment()
WRITER_TOKEN_SECRET = _env.required(s.WRITER_TOKEN_SECRET)
STORE = cosmos_store(_env, writable=True)
_env.check()

bp = func.Blueprint()
_receive = records_receiver(HOT_STORAGE_LAYER, lambda records: STORE.put(records), SOURCE_CLOUD)


@on_post(bp, s.HOT_WRITER)
def write(req: func.HttpRequest) -> func.HttpResponse:
    return serve(req, WRITER_TOKEN_SECRET, _receive)
