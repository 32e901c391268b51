"""L1 → L2 bridge sender: forwards the dispatcher's records to the Ingestion on the L2 cloud."""

from __future__ import annotations

from typing import Any

from runtime.core.telemetry import normalized_records
from runtime.gcp.bridge_clients import BRIDGE_CLIENTS
from runtime.gcp.environment import handler_environment
from runtime.gcp.http_io import internal
from twin_contract.wire import PROCESSING_LAYER

_env = handler_environment()
_sender = BRIDGE_CLIENTS.remote_sender(_env, PROCESSING_LAYER)
_env.check()


def forward(event: Any) -> dict[str, int]:
    records = normalized_records(event)
    _sender().put(records)
    return {"count": len(records)}


def handler(request: Any) -> tuple[str, int, dict[str, str]]:
    return internal(request, forward)
