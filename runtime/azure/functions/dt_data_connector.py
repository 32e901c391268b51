"""L4 Digital Twin Data Connector (HTTP POST /api/dt-data-connector[-last-entry]): dashboards'
reader queries, forwarded to the hot reader on the L3 hot cloud with the bridge token. Failures
answer 500 (retryable), never an empty history that hides them (a predecessor defect)."""

from __future__ import annotations

import functools

import azure.functions as func

from runtime.azure.bridge import remote_client
from runtime.azure.environment import handler_environment
from runtime.azure.http import serve
from runtime.core.http_client import InterCloudClient, validate_url
from runtime.core.reader import LatestQuery, RangeQuery

_env = handler_environment()
INBOUND_TOKEN_SECRET = _env.required("INBOUND_TOKEN_SECRET")
REMOTE_URL = _env.required("REMOTE_URL", parse=validate_url)
REMOTE_LAST_ENTRY_URL = _env.required("REMOTE_LAST_ENTRY_URL", parse=validate_url)
REMOTE_TOKEN_SECRET = _env.required("REMOTE_TOKEN_SECRET")
_env.check()

bp = func.Blueprint()


@functools.cache
def _client(url: str) -> InterCloudClient:
    return remote_client(url, REMOTE_TOKEN_SECRET)


def forward_range(req: func.HttpRequest) -> func.HttpResponse:
    return serve(req, INBOUND_TOKEN_SECRET, lambda body: _client(REMOTE_URL).post(RangeQuery.from_dict(body).to_dict()))


def forward_latest(req: func.HttpRequest) -> func.HttpResponse:
    return serve(req, INBOUND_TOKEN_SECRET,
                 lambda body: _client(REMOTE_LAST_ENTRY_URL).post(LatestQuery.from_dict(body).to_dict()))


bp.function_name("dt_data_connector")(
    bp.route(route="dt-data-connector", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)(forward_range)
)
bp.function_name("dt_data_connector_last_entry")(
    bp.route(route="dt-data-connector-last-entry", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)(forward_latest)
)
