"""L3 hot dashboard readers (HTTP POST /api/dashboard-reader, /api/dashboard-reader-last-entry):
the hot readers' queries for Grafana on another cloud than the twin, behind the dashboard
connection's own token (DASHBOARD_TOKEN_SECRET: one Function App's settings are shared, and the
hot readers keep theirs)."""

from __future__ import annotations

import azure.functions as func

from runtime.azure.environment import handler_environment
from runtime.azure.functions._shared import cosmos_store
from runtime.azure.http import serve
from runtime.core.reader import LatestQuery, RangeQuery

_env = handler_environment()
DASHBOARD_TOKEN_SECRET = _env.required("DASHBOARD_TOKEN_SECRET")
STORE = cosmos_store(_env, writable=False)
_env.check()

bp = func.Blueprint()


def read_range(req: func.HttpRequest) -> func.HttpResponse:
    return serve(req, DASHBOARD_TOKEN_SECRET, lambda body: RangeQuery.from_dict(body).answer(STORE))


def read_latest(req: func.HttpRequest) -> func.HttpResponse:
    return serve(req, DASHBOARD_TOKEN_SECRET, lambda body: LatestQuery.from_dict(body).answer(STORE))


bp.function_name("dashboard_reader")(
    bp.route(route="dashboard-reader", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)(read_range)
)
bp.function_name("dashboard_reader_last_entry")(
    bp.route(route="dashboard-reader-last-entry", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)(read_latest)
)
