"""L2 → L3 hot bridge receiver (Function URL): envelope records → hot table.

Writes are keyed by device_id/timestamp, so a retried delivery overwrites instead of duplicating.
"""

from __future__ import annotations

from typing import Any

from runtime.aws.dynamodb_store import DynamoHotStore
from runtime.aws.environment import handler_environment
from runtime.aws.function_url import serve
from runtime.core.config import positive_int
from runtime.core.envelope import HOT_STORAGE_LAYER, records_receiver

_env = handler_environment()
INBOUND_TOKEN_SECRET = _env.required("INBOUND_TOKEN_SECRET")
HOT_TABLE_NAME = _env.required("HOT_TABLE_NAME")
HOT_RETENTION_DAYS = _env.required("HOT_RETENTION_DAYS", parse=positive_int)
_env.check()

_receive = records_receiver(HOT_STORAGE_LAYER, DynamoHotStore(HOT_TABLE_NAME, HOT_RETENTION_DAYS).put)


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    return serve(event, INBOUND_TOKEN_SECRET, _receive)
