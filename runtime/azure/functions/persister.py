"""L2: store records in Cosmos DB (or send them to the hot writer on another cloud), update the
twins when L4 is Azure Digital Twins, then queue the records for the event checker."""

from __future__ import annotations

import functools
from typing import Any

import azure.functions as func

from runtime.azure.bridge import record_sender
from runtime.azure.digital_twins import TwinUpdater
from runtime.azure.environment import handler_environment
from runtime.azure.functions._shared import QUEUE_CONNECTION, cosmos_store, message_json
from runtime.azure.queues import QueueClient
from runtime.core.config import positive_int
from runtime.core.envelope import HOT_STORAGE_LAYER
from runtime.core.http_client import validate_url
from runtime.core.telemetry import as_records, normalize_record

_env = handler_environment()
MODE, SETTINGS = _env.mode(
    local={"COSMOS_ENDPOINT": str, "COSMOS_DATABASE": str, "COSMOS_CONTAINER": str, "HOT_RETENTION_DAYS": positive_int},
    remote={"REMOTE_URL": validate_url, "REMOTE_TOKEN_SECRET": str},
)
ADT_URL = _env.optional("ADT_URL", parse=validate_url)
EVENT_CHECKER_QUEUE_URL = _env.optional("EVENT_CHECKER_QUEUE_URL")
_env.check()

bp = func.Blueprint()


@functools.cache
def _sink() -> Any:
    if MODE == "local":
        return cosmos_store(_env, writable=True)
    return record_sender(SETTINGS["REMOTE_URL"], SETTINGS["REMOTE_TOKEN_SECRET"], HOT_STORAGE_LAYER)


def persist(message: func.QueueMessage) -> int:
    records = [normalize_record(raw) for raw in as_records(message_json(message))]
    _sink().put(records)
    if ADT_URL and records:
        TwinUpdater(ADT_URL).update(records)
    if EVENT_CHECKER_QUEUE_URL and records:
        QueueClient(EVENT_CHECKER_QUEUE_URL).send(records)
    return len(records)


bp.function_name("persister")(
    bp.queue_trigger(arg_name="message", queue_name="persister", connection=QUEUE_CONNECTION)(persist)
)
