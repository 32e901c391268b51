"""A plain-http transport for Grafana stand-ins on 127.0.0.1 (the real one is HTTPS only)."""

from __future__ import annotations

import http.client
from collections.abc import Mapping
from urllib.parse import urlsplit

from twin_ops.http_exchange import exchange


def http_transport(method: str, url: str, headers: Mapping[str, str], body: bytes | None):
    parts = urlsplit(url)
    assert parts.hostname == "127.0.0.1", url
    return exchange(http.client.HTTPConnection(parts.hostname, parts.port, timeout=10), method, parts, headers, body)
