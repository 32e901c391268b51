"""L1 → L2 bridge sender: records from the `connector` queue → the Ingestion on the L2 cloud.

Failures raise: the queue retries the message, then keeps it in the poison queue.
"""

from __future__ import annotations

import functools

import azure.functions as func

from runtime.azure.bridge import record_sender
from runtime.azure.environment import handler_environment
from runtime.azure.functions._shared import QUEUE_CONNECTION, message_json
from runtime.core.envelope import PROCESSING_LAYER
from runtime.core.http_client import validate_url
from runtime.core.sender import RecordSender
from runtime.core.telemetry import as_records, normalize_record

_env = handler_environment()
REMOTE_URL = _env.required("REMOTE_URL", parse=validate_url)
REMOTE_TOKEN_SECRET = _env.required("REMOTE_TOKEN_SECRET")
_env.check()

bp = func.Blueprint()


@functools.cache
def _sender() -> RecordSender:
    return record_sender(REMOTE_URL, REMOTE_TOKEN_SECRET, PROCESSING_LAYER)


def forward(message: func.QueueMessage) -> int:
    records = [normalize_record(raw) for raw in as_records(message_json(message))]
    _sender().put(records)
    return len(records)


bp.function_name("connector")(
    bp.queue_trigger(arg_name="message", queue_name="connector", connection=QUEUE_CONNECTION)(forward)
)
