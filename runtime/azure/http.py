"""Azure Functions HTTP requests ↔ the core receiver (token check, limits, status codes)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import azure.functions as func

from runtime.azure.keyvault import get_secret
from runtime.core import receiver
from runtime.core.receiver import InboundRequest, Response


def http_response(response: Response) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(response.body), status_code=response.status, mimetype="application/json")


def serve(req: func.HttpRequest, token_secret_name: str | None, handle: Callable[[Any], dict[str, Any]]) -> func.HttpResponse:
    """Answer with the core receiver; the expected token comes from Key Vault (none set → 401)."""
    request = lambda: InboundRequest(dict(req.headers), req.get_body())  # noqa: E731
    return http_response(receiver.serve(request, token_secret_name, get_secret, handle))


RECEIVE: receiver.Receive[func.HttpRequest, func.HttpResponse] = serve  # the one signature (mypy holds it)
