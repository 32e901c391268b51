"""L1 → L2 bridge receiver (HTTP POST /api/ingestion): envelope → the processor's queue."""

from __future__ import annotations

import azure.functions as func

from runtime.azure.environment import SOURCE_CLOUD, handler_environment
from runtime.azure.functions._shared import on_post
from runtime.azure.http import serve
from runtime.azure.queues import QueueClient
from runtime.core.envelope import records_receiver
from twin_contract import functions as s
from twin_contract.wire import PROCESSING_LAYER

_env = handler_environment()
INBOUND_TOKEN_SECRET = _env.required(s.INBOUND_TOKEN_SECRET)
PROCESSOR_QUEUE_URL = _env.required(s.PROCESSOR_QUEUE_URL)
_env.check()

bp = func.Blueprint()
_receive = records_receiver(
    PROCESSING_LAYER, lambda records: QueueClient(PROCESSOR_QUEUE_URL).send(records), SOURCE_CLOUD
)


@on_post(bp, s.INGESTION)
def ingest(req: func.HttpRequest) -> func.HttpResponse:
    return serve(req, INBOUND_TOKEN_SECRET, _receive)
