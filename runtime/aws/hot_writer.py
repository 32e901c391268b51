"""L2 → L3 hot bridge receiver (Function URL): envelope records → hot table.

Writes are keyed by device_id/timestamp, so a retried delivery overwrites instead of duplicating.
"""

from __future__ import annotations

from typing import Any

from runtime.aws.dynamodb_store import DynamoHotStore
from runtime.aws.environment import SOURCE_CLOUD, handler_environment, runs_as
from runtime.aws.function_url import serve
from runtime.core.config import positive_int
from runtime.core.envelope import records_receiver
from twin_contract import functions as s
from twin_contract.wire import HOT_STORAGE_LAYER

_env = handler_environment()
INBOUND_TOKEN_SECRET = _env.required(s.INBOUND_TOKEN_SECRET)
HOT_TABLE_NAME = _env.required(s.HOT_TABLE_NAME)
HOT_RETENTION_DAYS = _env.required(s.HOT_RETENTION_DAYS, parse=positive_int)
_env.check()

_receive = records_receiver(HOT_STORAGE_LAYER, DynamoHotStore(HOT_TABLE_NAME, HOT_RETENTION_DAYS).put, SOURCE_CLOUD)


@runs_as(s.HOT_WRITER)
def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    return serve(event, INBOUND_TOKEN_SECRET, _receive)
