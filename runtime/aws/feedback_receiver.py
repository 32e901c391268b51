"""L2 → L1 feedback bridge receiver (Function URL) on AWS: each feedback → the device's IoT Core topic."""

from __future__ import annotations

from typing import Any

from runtime.aws.environment import handler_environment, runs_as
from runtime.aws.function_url import serve
from runtime.aws.iot_devices import IotCoreDevices
from runtime.core.feedback import feedback_receiver
from twin_contract import functions as s

_env = handler_environment()
TWIN_NAME = _env.required(s.TWIN_NAME)
INBOUND_TOKEN_SECRET = _env.required(s.INBOUND_TOKEN_SECRET)
_env.check()

_receive = feedback_receiver(IotCoreDevices(TWIN_NAME))


@runs_as(s.FEEDBACK_RECEIVER)
def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    return serve(event, INBOUND_TOKEN_SECRET, _receive)
