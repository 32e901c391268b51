"""L3 hot dashboard readers (HTTP POST /api/dashboard-reader, /api/dashboard-reader-last-entry):
the hot readers' queries for Grafana on another cloud than the twin, behind the dashboard
connection's own token (DASHBOARD_TOKEN_SECRET: one Function App's settings are shared, and the
hot readers keep theirs)."""

from __future__ import annotations

import azure.functions as func

from runtime.azure.environment import handler_environment
from runtime.azure.functions._shared import cosmos_store, on_post
from runtime.azure.http import serve
from runtime.core.reader import LatestQuery, RangeQuery
from twin_contract import functions as s

_env = handler_environment()
DASHBOARD_TOKEN_SECRET = _env.required(s.DASHBOARD_TOKEN_SECRET)
STORE = cosmos_store(_env, writable=False)
_env.check()

bp = func.Blueprint()


@on_post(bp, s.DASHBOARD_READER)
def read_range(req: func.HttpRequest) -> func.HttpResponse:
    return serve(req, DASHBOARD_TOKEN_SECRET, lambda body: RangeQuery.from_dict(body).answer(STORE))


@on_post(bp, s.DASHBOARD_READER_LAST_ENTRY)
def read_latest(req: func.HttpRequest) -> func.HttpResponse:
    return serve(req, DASHBOARD_TOKEN_SECRET, lambda body: LatestQuery.from_dict(body).answer(STORE))
