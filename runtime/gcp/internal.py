"""Calls between the twin's own functions on Google: HTTP POST with an ID token (IAM-checked).

No retry here: a failed call raises, the caller fails, and the platform's retry (Eventarc and
Pub/Sub redelivery, Cloud Scheduler retries) repeats the whole step; every write on the way is
keyed, so a repeat stores nothing twice. Only the URL's path-less origin appears in errors.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from runtime.core.http_client import validate_url
from runtime.gcp import identity

TIMEOUT_SECONDS = 55.0


class InternalCallError(Exception):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def call(url: str, payload: Any, timeout: float = TIMEOUT_SECONDS) -> Any:
    """POST `payload` as JSON to another twin function; returns its decoded JSON answer."""
    validate_url(url)
    parts = urlsplit(url)
    label = f"{parts.scheme}://{parts.netloc}{parts.path}"
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, separators=(",", ":")).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {identity.id_token(url)}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        raise InternalCallError(f"POST {label} answered HTTP {exc.code}", exc.code) from None
    except (OSError, urllib.error.URLError) as exc:
        raise InternalCallError(f"POST {label} failed: {type(exc).__name__}") from None
    return json.loads(body) if body else None
