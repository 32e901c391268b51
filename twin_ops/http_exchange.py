"""One HTTP request on a connection the caller opened (and chose the scheme of): every operator
tool's transport ends here, so responses have one shape."""

from __future__ import annotations

import http.client
from collections.abc import Mapping
from urllib.parse import SplitResult


def exchange(
    connection: http.client.HTTPConnection, method: str, url: SplitResult, headers: Mapping[str, str], body: bytes | None
) -> tuple[int, dict[str, str], bytes]:
    """Send the request for `url`'s path and query, then close the connection: (status, headers
    with lower-case names, body)."""
    try:
        connection.request(method, url.path + (f"?{url.query}" if url.query else ""), body=body, headers=dict(headers))
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()
