"""L2: store records in the hot table (or send them to the hot writer on another cloud), send
them to Azure Digital Twins' ADT updater when the twin is there, then async-invoke the event
checker with them (runtime.core.persister)."""

from __future__ import annotations

from typing import Any

from runtime.aws.bridge_clients import BRIDGE_CLIENTS
from runtime.aws.dynamodb_store import DynamoHotStore
from runtime.aws.environment import handler_environment, runs_as
from runtime.aws.lambda_invoke import invoke_async
from runtime.core.config import positive_int
from runtime.core.http_client import validate_url
from runtime.core.persister import Persister
from twin_contract import functions as s
from twin_contract.wire import HOT_STORAGE_LAYER, TWIN_UPDATE_LAYER

_env = handler_environment()
MODE, SETTINGS = _env.mode(
    local={s.HOT_TABLE_NAME: str, s.HOT_RETENTION_DAYS: positive_int},
    remote={s.REMOTE_URL: validate_url, s.REMOTE_TOKEN_SECRET: str},
)
EVENT_CHECKER_FUNCTION_NAME = _env.optional(s.EVENT_CHECKER_FUNCTION_NAME)
persist = Persister(
    store=BRIDGE_CLIENTS.records_sink(
        MODE, SETTINGS, lambda: DynamoHotStore(SETTINGS[s.HOT_TABLE_NAME], SETTINGS[s.HOT_RETENTION_DAYS]),
        HOT_STORAGE_LAYER,
    ),
    update_twin=BRIDGE_CLIENTS.optional_records(_env, TWIN_UPDATE_LAYER, s.TWIN_UPDATE),
    check_events=(lambda records: invoke_async(EVENT_CHECKER_FUNCTION_NAME, records)) if EVENT_CHECKER_FUNCTION_NAME else None,
)
_env.check()


@runs_as(s.PERSISTER)
def handler(event: Any, context: Any = None) -> dict[str, int]:
    return {"count": persist(event)}
