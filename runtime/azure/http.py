"""Azure Functions HTTP requests ↔ the core receiver (token check, limits, status codes)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import azure.functions as func

from runtime.azure.keyvault import get_secret
from runtime.core.receiver import InboundRequest, Response, error, handle_inbound

logger = logging.getLogger(__name__)


def http_response(response: Response) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(response.body), status_code=response.status, mimetype="application/json")


def serve(req: func.HttpRequest, token_secret_name: str | None, handle: Callable[[Any], dict[str, Any]]) -> func.HttpResponse:
    """Answer with the core receiver; the expected token comes from Key Vault (none set → 401)."""
    try:
        expected = get_secret(token_secret_name) if token_secret_name else ""
    except Exception:
        logger.exception("cannot read the inbound token secret")
        return http_response(error(500, "internal_error", "the receiver failed; retry later"))
    return http_response(handle_inbound(InboundRequest(dict(req.headers), req.get_body()), expected, handle))
