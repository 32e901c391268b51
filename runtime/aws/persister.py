"""L2: store records in the hot table (or send them to the hot writer on another cloud), send
them to Azure Digital Twins' ADT updater when the twin is there, then async-invoke the event
checker with them."""

from __future__ import annotations

import functools
from typing import Any

from runtime.aws.bridge import record_sender
from runtime.aws.dynamodb_store import DynamoHotStore
from runtime.aws.environment import handler_environment
from runtime.aws.lambda_invoke import invoke_async
from runtime.core.config import positive_int
from runtime.core.envelope import HOT_STORAGE_LAYER, TWIN_UPDATE_LAYER
from runtime.core.http_client import validate_url
from runtime.core.sender import RecordSender
from runtime.core.telemetry import as_records, normalize_record

_env = handler_environment()
MODE, SETTINGS = _env.mode(
    local={"HOT_TABLE_NAME": str, "HOT_RETENTION_DAYS": positive_int},
    remote={"REMOTE_URL": validate_url, "REMOTE_TOKEN_SECRET": str},
)
EVENT_CHECKER_FUNCTION_NAME = _env.optional("EVENT_CHECKER_FUNCTION_NAME")
TWIN_UPDATE_URL = _env.optional("TWIN_UPDATE_URL", parse=validate_url)
TWIN_UPDATE_TOKEN_SECRET = _env.required("TWIN_UPDATE_TOKEN_SECRET") if TWIN_UPDATE_URL else None
_env.check()


@functools.cache
def _sink() -> DynamoHotStore | RecordSender:
    if MODE == "local":
        return DynamoHotStore(SETTINGS["HOT_TABLE_NAME"], SETTINGS["HOT_RETENTION_DAYS"])
    return record_sender(SETTINGS["REMOTE_URL"], SETTINGS["REMOTE_TOKEN_SECRET"], HOT_STORAGE_LAYER)


@functools.cache
def _twin_updates() -> RecordSender:
    return record_sender(TWIN_UPDATE_URL, TWIN_UPDATE_TOKEN_SECRET, TWIN_UPDATE_LAYER)


def handler(event: Any, context: Any = None) -> dict[str, int]:
    records = [normalize_record(raw) for raw in as_records(event)]
    _sink().put(records)
    if TWIN_UPDATE_URL and records:
        _twin_updates().put(records)
    if EVENT_CHECKER_FUNCTION_NAME and records:
        invoke_async(EVENT_CHECKER_FUNCTION_NAME, records)
    return {"count": len(records)}
