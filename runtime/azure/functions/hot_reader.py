"""L3 hot readers (HTTP POST /api/hot-reader, /api/hot-reader-last-entry): neutral reader queries
(DESIGN §5) answered from Cosmos DB; callers: the DT Data Connector on another cloud, or dashboards."""

from __future__ import annotations

import azure.functions as func

from runtime.azure.environment import handler_environment
from runtime.azure.functions._shared import cosmos_store
from runtime.azure.http import serve
from runtime.core.reader import LatestQuery, RangeQuery

_env = handler_environment()
INBOUND_TOKEN_SECRET = _env.required("INBOUND_TOKEN_SECRET")
STORE = cosmos_store(_env, writable=False)
_env.check()

bp = func.Blueprint()


def read_range(req: func.HttpRequest) -> func.HttpResponse:
    return serve(req, INBOUND_TOKEN_SECRET, lambda body: RangeQuery.from_dict(body).answer(STORE))


def read_latest(req: func.HttpRequest) -> func.HttpResponse:
    return serve(req, INBOUND_TOKEN_SECRET, lambda body: LatestQuery.from_dict(body).answer(STORE))


bp.function_name("hot_reader")(bp.route(route="hot-reader", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)(read_range))
bp.function_name("hot_reader_last_entry")(
    bp.route(route="hot-reader-last-entry", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)(read_latest)
)
