"""L1 → L2 bridge sender: records from the `connector` queue → the Ingestion on the L2 cloud.

Failures raise: the queue retries the message, then keeps it in the poison queue.
"""

from __future__ import annotations

import azure.functions as func

from runtime.azure.bridge_clients import BRIDGE_CLIENTS
from runtime.azure.environment import handler_environment
from runtime.azure.functions._shared import message_json, on_queue
from runtime.core.telemetry import normalized_records
from twin_contract.azure_names import CONNECTOR_QUEUE
from twin_contract.functions import CONNECTOR
from twin_contract.wire import PROCESSING_LAYER

_env = handler_environment()
_sender = BRIDGE_CLIENTS.remote_sender(_env, PROCESSING_LAYER)
_env.check()

bp = func.Blueprint()


@on_queue(bp, CONNECTOR, CONNECTOR_QUEUE)
def forward(message: func.QueueMessage) -> int:
    records = normalized_records(message_json(message))
    _sender().put(records)
    return len(records)
