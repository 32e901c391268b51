"""L1 → L2 bridge receiver (HTTP POST /api/ingestion): envelope → the processor's queue."""

from __future__ import annotations

import azure.functions as func

from runtime.azure.environment import handler_environment
from runtime.azure.http import serve
from runtime.azure.queues import QueueClient
from runtime.core.envelope import PROCESSING_LAYER, records_receiver

_env = handler_environment()
INBOUND_TOKEN_SECRET = _env.required("INBOUND_TOKEN_SECRET")
PROCESSOR_QUEUE_URL = _env.required("PROCESSOR_QUEUE_URL")
_env.check()

bp = func.Blueprint()
_receive = records_receiver(PROCESSING_LAYER, lambda records: QueueClient(PROCESSOR_QUEUE_URL).send(records))


def ingest(req: func.HttpRequest) -> func.HttpResponse:
    return serve(req, INBOUND_TOKEN_SECRET, _receive)


bp.function_name("ingestion")(bp.route(route="ingestion", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)(ingest))
