"""L4 Digital Twin Data Connector (HTTP POST /api/dt-data-connector[-last-entry]): dashboards'
reader queries, forwarded to the hot reader on the L3 hot cloud with the bridge token. Failures
answer 500 (retryable), never an empty history that hides them (a predecessor defect)."""

from __future__ import annotations

import azure.functions as func

from runtime.azure.bridge_clients import BRIDGE_CLIENTS
from runtime.azure.environment import handler_environment
from runtime.azure.functions._shared import on_post
from runtime.azure.http import serve
from runtime.core.reader import LatestQuery, RangeQuery
from twin_contract import functions as s
from twin_contract.registry import LAST_ENTRY_URL_KEY

_env = handler_environment()
INBOUND_TOKEN_SECRET = _env.required(s.INBOUND_TOKEN_SECRET)
_range_client = BRIDGE_CLIENTS.remote_client(_env)
_latest_client = BRIDGE_CLIENTS.remote_client(_env, key=LAST_ENTRY_URL_KEY)
_env.check()

bp = func.Blueprint()


@on_post(bp, s.DT_DATA_CONNECTOR)
def forward_range(req: func.HttpRequest) -> func.HttpResponse:
    return serve(req, INBOUND_TOKEN_SECRET, lambda body: _range_client().post(RangeQuery.from_dict(body).to_dict()))


@on_post(bp, s.DT_DATA_CONNECTOR_LAST_ENTRY)
def forward_latest(req: func.HttpRequest) -> func.HttpResponse:
    return serve(req, INBOUND_TOKEN_SECRET, lambda body: _latest_client().post(LatestQuery.from_dict(body).to_dict()))
