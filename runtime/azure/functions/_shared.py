"""Helpers of the function modules: queue payloads and the Cosmos hot store from the environment."""

from __future__ import annotations

from typing import Any

import azure.functions as func

from runtime.azure.cosmos_store import CosmosHotStore, CosmosRestContainer
from runtime.azure.queues import decode_message
from runtime.core.config import Environment, positive_int

QUEUE_CONNECTION = "DT_QUEUES"  # identity-based connection settings DT_QUEUES__* (function_host.py)


def message_json(message: func.QueueMessage) -> Any:
    return decode_message(message.get_body())


def cosmos_store(env: Environment, writable: bool) -> CosmosHotStore | None:
    endpoint, database, container = (env.required(name) for name in ("COSMOS_ENDPOINT", "COSMOS_DATABASE", "COSMOS_CONTAINER"))
    retention = env.required("HOT_RETENTION_DAYS", parse=positive_int) if writable else None
    if not (endpoint and database and container):
        return None
    return CosmosHotStore(CosmosRestContainer(endpoint, database, container), retention)
