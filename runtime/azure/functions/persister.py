"""L2: store records in Cosmos DB (or send them to the hot writer on another cloud), update the
twins when L4 is Azure Digital Twins, then queue the records for the event checker
(runtime.core.persister)."""

from __future__ import annotations

import azure.functions as func

from runtime.azure.bridge_clients import BRIDGE_CLIENTS
from runtime.azure.digital_twins import TwinUpdater
from runtime.azure.environment import handler_environment
from runtime.azure.functions._shared import cosmos_store, message_json, on_queue
from runtime.azure.queues import QueueClient
from runtime.core.config import positive_int
from runtime.core.http_client import validate_url
from runtime.core.persister import Persister
from twin_contract import functions as s
from twin_contract.azure_names import PERSISTER_QUEUE
from twin_contract.wire import HOT_STORAGE_LAYER

_env = handler_environment()
MODE, SETTINGS = _env.mode(
    local={s.COSMOS_ENDPOINT: str, s.COSMOS_DATABASE: str, s.COSMOS_CONTAINER: str, s.HOT_RETENTION_DAYS: positive_int},
    remote={s.REMOTE_URL: validate_url, s.REMOTE_TOKEN_SECRET: str},
)
ADT_URL = _env.optional(s.ADT_URL, parse=validate_url)
EVENT_CHECKER_QUEUE_URL = _env.optional(s.EVENT_CHECKER_QUEUE_URL)
persister = Persister(
    store=BRIDGE_CLIENTS.records_sink(MODE, SETTINGS, lambda: cosmos_store(_env, writable=True), HOT_STORAGE_LAYER),
    update_twin=(lambda records: TwinUpdater(ADT_URL).update(records)) if ADT_URL else None,
    check_events=(lambda records: QueueClient(EVENT_CHECKER_QUEUE_URL).send(records)) if EVENT_CHECKER_QUEUE_URL else None,
)
_env.check()

bp = func.Blueprint()


@on_queue(bp, s.PERSISTER, PERSISTER_QUEUE)
def persist(message: func.QueueMessage) -> int:
    return persister(message_json(message))
