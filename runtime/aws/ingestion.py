"""L1 → L2 bridge receiver (Function URL): envelope → async invoke of the processor."""

from __future__ import annotations

from typing import Any

from runtime.aws.environment import SOURCE_CLOUD, handler_environment, runs_as
from runtime.aws.function_url import serve
from runtime.aws.lambda_invoke import invoke_async
from runtime.core.envelope import records_receiver
from twin_contract import functions as s
from twin_contract.wire import PROCESSING_LAYER

_env = handler_environment()
INBOUND_TOKEN_SECRET = _env.required(s.INBOUND_TOKEN_SECRET)
PROCESSOR_FUNCTION_NAME = _env.required(s.PROCESSOR_FUNCTION_NAME)
_env.check()

_receive = records_receiver(
    PROCESSING_LAYER, lambda records: invoke_async(PROCESSOR_FUNCTION_NAME, records), SOURCE_CLOUD
)


@runs_as(s.INGESTION)
def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    return serve(event, INBOUND_TOKEN_SECRET, _receive)
