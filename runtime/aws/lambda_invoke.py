"""Invoking other functions of the twin: async (`Event`) for the data path, sync for reads."""

from __future__ import annotations

import json
from typing import Any

from runtime.aws import clients


class InvocationError(Exception):
    """The synchronously invoked function raised; its error is in the message."""


def invoke_async(function_name: str, payload: Any) -> None:
    clients.client("lambda").invoke(
        FunctionName=function_name, InvocationType="Event", Payload=json.dumps(payload).encode()
    )


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
