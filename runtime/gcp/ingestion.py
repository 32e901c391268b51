"""L1 → L2 bridge receiver (public URL, token checked): envelope → processor."""

from __future__ import annotations

from typing import Any

from runtime.core.envelope import records_receiver
from runtime.core.http_client import validate_url
from runtime.gcp import internal
from runtime.gcp.environment import SOURCE_CLOUD, handler_environment
from runtime.gcp.http_io import serve
from twin_contract import functions as s
from twin_contract.wire import PROCESSING_LAYER

_env = handler_environment()
INBOUND_TOKEN_SECRET = _env.required(s.INBOUND_TOKEN_SECRET)
PROCESSOR_URL = _env.required(s.PROCESSOR_URL, parse=validate_url)
_env.check()

_receive = records_receiver(PROCESSING_LAYER, lambda records: internal.call(PROCESSOR_URL, records), SOURCE_CLOUD)


def handler(request: Any) -> tuple[str, int, dict[str, str]]:
    return serve(request, INBOUND_TOKEN_SECRET, _receive)
