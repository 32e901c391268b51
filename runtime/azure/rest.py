"""The one HTTP helper of the Azure data-plane clients (Key Vault, queues, blobs, Cosmos, ADT, IoT Hub).

Stdlib only, on purpose: the Azure Functions Python worker ships `azure-functions` and nothing else,
so every SDK would have to be vendored into the package; these services' REST APIs are small.
"""

from __future__ import annotations

import http.client
import json
import ssl
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from runtime.core.http_client import validate_url
from runtime.core.sanitize import safe_code

TIMEOUT = 15.0
# One kept-alive connection per thread and endpoint: a new HTTPS connection per call costs a TLS
# handshake (and loading the trust store) every time, the largest cost of a busy function.
_pool = threading.local()
# Errors of a kept-alive connection the server closed while it was idle: the request never reached
# it, so it is sent once more on a new connection (what urllib3 does for pooled connections).
_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, http.client.CannotSendRequest, ssl.SSLEOFError,
          ssl.SSLZeroReturnError)


class AzureRestError(Exception):
    """A non-2xx answer; `status` and the service's error `code` (bodies are not echoed whole)."""

    def __init__(self, method: str, url: str, status: int, code: str | None) -> None:
        parts = urlsplit(url)
        super().__init__(f"{method} {parts.scheme}://{parts.netloc}{parts.path} → HTTP {status} {code or ''}".strip())
        self.status, self.code = status, code


def request(
    method: str, url: str, headers: Mapping[str, str] | None = None, body: bytes | None = None,
    *, platform_endpoint: bool = False,
) -> tuple[int, dict[str, str], bytes]:
    """One request. Every call carries a bearer token or a secret, so HTTPS only (plain http for
    loopback, in tests); `platform_endpoint` exempts the managed-identity endpoint, which the
    platform itself serves over plain http inside the sandbox (IDENTITY_ENDPOINT)."""
    if not platform_endpoint:
        validate_url(url)
    parts = urlsplit(url)
    key = (parts.scheme, parts.hostname, parts.port)
    connections: dict[tuple[str, str | None, int | None], http.client.HTTPConnection] = _pool.__dict__.setdefault("open", {})
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    while True:
        reused = key in connections
        connection = connections.pop(key, None) or _connect(parts.scheme, parts.hostname, parts.port)
        try:
            connection.request(method, target, body=body, headers=dict(headers or {}))
            response = connection.getresponse()
            payload = response.read()
        except _STALE:
            connection.close()
            if reused:
                continue
            raise
        except BaseException:
            connection.close()
            raise
        answer = {k.lower(): v for k, v in response.getheaders()}
        if answer.get("connection", "").lower() == "close":
            connection.close()
        else:
            connections[key] = connection
        return response.status, answer, payload


def _connect(scheme: str, host: str | None, port: int | None) -> http.client.HTTPConnection:
    if not host:
        raise ValueError(f"no host in a {scheme} URL")
    if scheme == "https":
        return http.client.HTTPSConnection(host, port, timeout=TIMEOUT)
    return http.client.HTTPConnection(host, port, timeout=TIMEOUT)


def checked(
    method: str, url: str, headers: Mapping[str, str] | None = None, body: bytes | None = None,
    allow: tuple[int, ...] = (), *, platform_endpoint: bool = False,
) -> tuple[int, dict[str, str], bytes]:
    status, response_headers, payload = request(method, url, headers, body, platform_endpoint=platform_endpoint)
    if not 200 <= status < 300 and status not in allow:
        raise AzureRestError(method, url, status, _code(payload))
    return status, response_headers, payload


def json_body(payload: bytes) -> Any:
    return json.loads(payload) if payload else None


def _code(payload: bytes) -> str | None:
    """The service's error code, when it is a short identifier (never the body itself)."""
    try:
        data = json.loads(payload)
    except (ValueError, RecursionError):
        text = payload[:65536].decode(errors="replace")
        start = text.find("<Code>")
        return safe_code(text[start + 6 : text.find("</Code>")]) if start >= 0 else None
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        return safe_code(error.get("code"))
    return safe_code(data.get("code")) if isinstance(data, dict) else None
