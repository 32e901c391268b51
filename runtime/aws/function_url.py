"""Lambda Function URL events (payload format 2.0) ↔ the core receiver."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from typing import Any

from runtime.aws.secrets import get_secret
from runtime.core import receiver
from runtime.core.receiver import InboundRequest, Response


def is_http_event(event: Any) -> bool:
    """Function URL events carry `requestContext.http`; direct invokes (TwinMaker) do not."""
    return (
        isinstance(event, Mapping)
        and isinstance(event.get("requestContext"), Mapping)
        and "http" in event["requestContext"]
    )


def inbound_request(event: Mapping[str, Any]) -> InboundRequest | None:
    """The request of a Function URL event; None when its body cannot be decoded."""
    body = event.get("body") or ""
    try:
        raw = base64.b64decode(body, validate=True) if event.get("isBase64Encoded") else body.encode()
    except (binascii.Error, UnicodeEncodeError, TypeError, AttributeError):
        return None
    return InboundRequest(headers=event.get("headers") or {}, body=raw)


def http_response(response: Response) -> dict[str, Any]:
    return {
        "statusCode": response.status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(response.body),
    }


def serve(
    event: Mapping[str, Any], token_secret_name: str | None, handle: Callable[[Any], dict[str, Any]]
) -> dict[str, Any]:
    """Answer a Function URL request with the core receiver; no secret configured means 401."""
    return http_response(receiver.serve(lambda: inbound_request(event), token_secret_name, get_secret, handle))


RECEIVE: receiver.Receive[Mapping[str, Any], dict[str, Any]] = serve  # the one signature (mypy holds it)
