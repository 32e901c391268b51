"""Google credentials of the function's own service account: ID tokens and access tokens.

ID tokens (audience = the callee's URL) authenticate internal calls, which Cloud Run checks
against `roles/run.invoker`; they are cached until shortly before they expire (1 hour).
"""

from __future__ import annotations

import threading
import time
from typing import Any

ID_TOKEN_TTL_SECONDS = 50 * 60

_lock = threading.Lock()
_id_tokens: dict[str, tuple[float, str]] = {}


def fetch_id_token(audience: str) -> str:
    import google.auth.transport.requests
    import google.oauth2.id_token

    return google.oauth2.id_token.fetch_id_token(google.auth.transport.requests.Request(), audience)


def id_token(audience: str) -> str:
    now = time.monotonic()
    with _lock:
        hit = _id_tokens.get(audience)
        if hit and now - hit[0] < ID_TOKEN_TTL_SECONDS:
            return hit[1]
    token = fetch_id_token(audience)
    with _lock:
        _id_tokens[audience] = (now, token)
    return token


def authorized_session() -> Any:
    """A requests session with the account's OAuth access token (Google APIs without a client library)."""
    import google.auth
    from google.auth.transport.requests import AuthorizedSession

    credentials, _ = google.auth.default(scopes=["https://www.googleapis.com/auth/cloud-platform"])
    return AuthorizedSession(credentials)
