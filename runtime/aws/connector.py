"""L1 → L2 bridge sender: forwards the dispatcher's records to the Ingestion on the L2 cloud."""

from __future__ import annotations

from typing import Any

from runtime.aws.bridge_clients import BRIDGE_CLIENTS
from runtime.aws.environment import handler_environment, runs_as
from runtime.core.telemetry import normalized_records
from twin_contract.functions import CONNECTOR
from twin_contract.wire import PROCESSING_LAYER

_env = handler_environment()
_sender = BRIDGE_CLIENTS.remote_sender(_env, PROCESSING_LAYER)
_env.check()


@runs_as(CONNECTOR)
def handler(event: Any, context: Any = None) -> dict[str, int]:
    records = normalized_records(event)
    _sender().put(records)
    return {"count": len(records)}
