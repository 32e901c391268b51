"""functions-framework (Flask) requests ↔ the core receiver and JSON answers."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from runtime.core.errors import InvalidInput
from runtime.core.limits import parse_json
from runtime.core.receiver import InboundRequest, Response, error, handle_inbound
from runtime.gcp.secrets import get_secret

logger = logging.getLogger(__name__)

JSON = {"Content-Type": "application/json"}
Answer = tuple[str, int, dict[str, str]]


def answer(response: Response) -> Answer:
    return json.dumps(response.body), response.status, JSON


def serve(request: Any, token_secret_name: str | None, handle: Callable[[Any], dict[str, Any]]) -> Answer:
    """A bridge receiver (public URL): the core checks the token; no secret configured means 401."""
    try:
        expected = get_secret(token_secret_name) if token_secret_name else ""
    except Exception:
        logger.exception("cannot read the inbound token secret")
        return answer(error(500, "internal_error", "the receiver failed; retry later"))
    inbound = InboundRequest(headers=dict(request.headers.items()), body=request.get_data(cache=False))
    return answer(handle_inbound(inbound, expected, handle))


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
