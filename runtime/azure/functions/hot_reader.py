"""L3 hot readers (HTTP POST /api/hot-reader, /api/hot-reader-last-entry): neutral reader queries
(docs/design.md §5) answered from Cosmos DB; callers: the DT Data Connector on another cloud, or dashboards."""

from __future__ import annotations

import azure.functions as func

from runtime.azure.environment import handler_environment
from runtime.azure.functions._shared import cosmos_store, on_post
from runtime.azure.http import serve
from runtime.core.reader import LatestQuery, RangeQuery
from twin_contract import functions as s

_env = handler_environment()
INBOUND_TOKEN_SECRET = _env.required(s.INBOUND_TOKEN_SECRET)
STORE = cosmos_store(_env, writable=False)
_env.check()

bp = func.Blueprint()


@on_post(bp, s.HOT_READER)
def read_range(req: func.HttpRequest) -> func.HttpResponse:
    return serve(req, INBOUND_TOKEN_SECRET, lambda body: RangeQuery.from_dict(body).answer(STORE))


@on_post(bp, s.HOT_READER_LAST_ENTRY)
def read_latest(req: func.HttpRequest) -> func.HttpResponse:
    return serve(req, INBOUND_TOKEN_SECRET, lambda body: LatestQuery.from_dict(body).answer(STORE))
