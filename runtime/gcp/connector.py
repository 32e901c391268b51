"""L1 → L2 bridge sender: forwards the dispatcher's records to the Ingestion on the L2 cloud."""

from __future__ import annotations

import functools
from typing import Any

from runtime.core.envelope import PROCESSING_LAYER
from runtime.core.http_client import validate_url
from runtime.core.sender import RecordSender
from runtime.core.telemetry import as_records, normalize_record
from runtime.gcp.bridge import record_sender
from runtime.gcp.environment import handler_environment
from runtime.gcp.http_io import internal

_env = handler_environment()
REMOTE_URL = _env.required("REMOTE_URL", parse=validate_url)
REMOTE_TOKEN_SECRET = _env.required("REMOTE_TOKEN_SECRET")
_env.check()


@functools.cache
def _sender() -> RecordSender:
    return record_sender(REMOTE_URL, REMOTE_TOKEN_SECRET, PROCESSING_LAYER)


def forward(event: Any) -> dict[str, int]:
    records = [normalize_record(raw) for raw in as_records(event)]
    _sender().put(records)
    return {"count": len(records)}


def handler(request: Any) -> tuple[str, int, dict[str, str]]:
    return internal(request, forward)
