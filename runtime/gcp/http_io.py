"""functions-framework (Flask) requests ↔ the core receiver and JSON answers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from runtime.core.errors import InvalidInput
from runtime.core.limits import parse_json
from runtime.core import receiver
from runtime.core.receiver import InboundRequest, Response, error
from runtime.gcp.secrets import get_secret

JSON = {"Content-Type": "application/json"}
Answer = tuple[str, int, dict[str, str]]


def answer(response: Response) -> Answer:
    return json.dumps(response.body), response.status, JSON


def serve(request: Any, token_secret_name: str | None, handle: Callable[[Any], dict[str, Any]]) -> Answer:
    """A bridge receiver (public URL): the core checks the token; no secret configured means 401."""
    inbound = lambda: InboundRequest(headers=dict(request.headers.items()), body=request.get_data(cache=False))  # noqa: E731
    return answer(receiver.serve(inbound, token_secret_name, get_secret, handle))


RECEIVE: receiver.Receive[Any, Answer] = serve  # the one signature (mypy holds it)


def internal(request: Any, handle: Callable[[Any], Any]) -> Answer:
    """An internal function (IAM-authenticated by Cloud Run): JSON body in, JSON out.

    Bad input is a 4xx (never retried); any other failure propagates as a 500 so the caller
    fails and the platform retries.
    """
    try:
        body = parse_json(request.get_data(cache=False) or b"null")
        return json.dumps(handle(body)), 200, JSON
    except InvalidInput as exc:
        return answer(error(exc.status, exc.code, str(exc)))
