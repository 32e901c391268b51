"""The receiving side of a bridge: token check, size limit, JSON body, status codes (docs/design.md §5).

Cloud handlers turn their HTTP event into an `InboundRequest`, call `handle_inbound` and turn
the `Response` back; 401 missing/wrong token, 413 too large, 400 bad input, 500 failure.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from runtime.core.errors import InvalidInput
from runtime.core.limits import parse_json
from twin_contract.wire import TOKEN_HEADER

# The smallest request limit of the platforms we run on (Lambda Function URLs: 6 MB).
MAX_BODY_BYTES = 6 * 1024 * 1024

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class InboundRequest:
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class Response:
    status: int
    body: dict[str, Any]


def header(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive header lookup (platforms disagree on header case)."""
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


def token_matches(headers: Mapping[str, str], expected: str) -> bool:
    """Constant-time comparison; an empty expected token accepts nothing."""
    presented = header(headers, TOKEN_HEADER)
    if not expected or not presented:
        return False
    # surrogatepass: a header decoded with stray surrogates is a wrong token, not a crash.
    return hmac.compare_digest(presented.encode("utf-8", "surrogatepass"), expected.encode())


def receipt(trace_id: str | None, count: int) -> dict[str, Any]:
    return {"status": "received", "trace_id": trace_id, "count": count}


def error(status: int, code: str, message: str) -> Response:
    return Response(status, {"error": {"code": code, "message": message}})


def handle_inbound(request: InboundRequest, expected_token: str, handle: Callable[[Any], dict[str, Any]]) -> Response:
    """Authenticate and parse the request, then answer with `handle(json_body)`.

    `handle` raises InvalidInput for bad input (its status: 400, or 404 for an unknown target); any
    other exception is a 500. A body that can never succeed (not strict JSON, too deep, a record no
    store can hold) is a 400, so the sender does not retry it into its dead-letter queue.
    """
    if not token_matches(request.headers, expected_token):
        return error(401, "unauthorized", f"missing or invalid {TOKEN_HEADER} header")
    if len(request.body) > MAX_BODY_BYTES:
        return error(413, "too_large", f"body exceeds {MAX_BODY_BYTES} bytes")
    try:
        body = parse_json(request.body)
        return Response(200, handle(body))
    except InvalidInput as exc:
        return error(exc.status, exc.code, str(exc))
    except Exception:
        logger.exception("request failed")
        return error(500, "internal_error", "the receiver failed; retry later")


Handle = Callable[[Any], dict[str, Any]]
Request = TypeVar("Request", contravariant=True)
Answer = TypeVar("Answer", covariant=True)


class Receive(Protocol[Request, Answer]):
    """A cloud's receiving end of every bridge, one signature on each (runtime/aws/function_url.py,
    runtime/azure/http.py, runtime/gcp/http_io.py): the platform's request, the name of the token's
    secret in the cloud's store, and the use case's `handle`; the platform's answer back. Sending
    ends are one class on every cloud (runtime/core/bridge_clients.py)."""

    def __call__(self, request: Request, token_secret_name: str | None, handle: Handle, /) -> Answer: ...


def serve(
    request: Callable[[], InboundRequest | None],
    token_secret_name: str | None,
    secret: Callable[[str], str],
    handle: Callable[[Any], dict[str, Any]],
) -> Response:
    """A bridge receiver on any cloud: the expected token read by name from the cloud's secret
    store (`secret`; none configured means every call gets 401), then `handle_inbound`.
    `request()` is None when the platform's event has a body that cannot be decoded (400)."""
    try:
        expected = secret(token_secret_name) if token_secret_name else ""
    except Exception:
        logger.exception("cannot read the inbound token secret")
        return error(500, "internal_error", "the receiver failed; retry later")
    inbound = request()
    if inbound is None:
        return error(400, "invalid_body", "the body could not be decoded")
    return handle_inbound(inbound, expected, handle)
