"""Invoking other functions of the twin: async (`Event`) for the data path, sync for reads.

An async invoke's payload is limited (256 KB): a list of records is split across invokes that
each fit, so a full envelope (100 records of up to 32 KiB) is never refused on every retry.
"""

from __future__ import annotations

import json
from typing import Any

from runtime.aws import clients

MAX_ASYNC_PAYLOAD_BYTES = 250 * 1024


class InvocationError(Exception):
    """The synchronously invoked function raised; its error is in the message."""


def invoke_async(function_name: str, payload: Any) -> int:
    """Invoke `function_name` with `payload` (a list is split to fit); returns the invoke count."""
    parts = _split(payload)
    for part in parts:
        response = clients.client("lambda").invoke(FunctionName=function_name, InvocationType="Event", Payload=part)
        response["Payload"].read()  # empty; read to its end, the connection goes back to the pool
    return len(parts)


def _split(payload: Any) -> list[bytes]:
    encoded = json.dumps(payload).encode()
    if len(encoded) <= MAX_ASYNC_PAYLOAD_BYTES or not isinstance(payload, list) or len(payload) < 2:
        return [encoded]  # a single record always fits (runtime.core.limits)
    middle = len(payload) // 2
    return _split(payload[:middle]) + _split(payload[middle:])


def invoke_sync(function_name: str, payload: Any) -> Any:
    response = clients.client("lambda").invoke(
        FunctionName=function_name, InvocationType="RequestResponse", Payload=json.dumps(payload).encode()
    )
    result = json.loads(response["Payload"].read() or b"null")
    if response.get("FunctionError"):
        raise InvocationError(f"{function_name} failed: {result}")
    return result


def sibling_function_arn(context: Any, function_name: str) -> str:
    """The ARN of a function in the caller's account and region (taken from the caller's ARN)."""
    prefix = context.invoked_function_arn.split(":")[:6]  # arn:aws:lambda:<region>:<account>:function
    return ":".join([*prefix, function_name])
