"""Entra ID access tokens of the function app's user-assigned managed identity.

App Service / Functions expose the identity endpoint in IDENTITY_ENDPOINT + IDENTITY_HEADER;
AZURE_CLIENT_ID selects the layer's user-assigned identity. Tokens are cached per resource
until five minutes before they expire. Tests install their own provider with `use_provider`.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from urllib.parse import urlencode

from runtime.azure import rest

# Resources (audiences) the twin's functions call.
STORAGE = "https://storage.azure.com/"
KEY_VAULT = "https://vault.azure.net"
COSMOS = "https://cosmos.azure.com"
DIGITAL_TWINS = "https://digitaltwins.azure.net"
IOT_HUB = "https://iothubs.azure.net"
_REFRESH_MARGIN = 300.0

TokenProvider = Callable[[str], tuple[str, float]]  # resource → (token, expires at, epoch seconds)

_lock = threading.Lock()
_cache: dict[str, tuple[str, float]] = {}


def managed_identity_token(resource: str) -> tuple[str, float]:
    endpoint, secret = os.environ.get("IDENTITY_ENDPOINT"), os.environ.get("IDENTITY_HEADER")
    if not endpoint or not secret:
        raise RuntimeError("no managed identity endpoint (IDENTITY_ENDPOINT/IDENTITY_HEADER) in this environment")
    query = {"resource": resource, "api-version": "2019-08-01"}
    if os.environ.get("AZURE_CLIENT_ID"):
        query["client_id"] = os.environ["AZURE_CLIENT_ID"]
    _, _, payload = rest.checked(
        "GET", f"{endpoint}?{urlencode(query)}", {"X-IDENTITY-HEADER": secret}, platform_endpoint=True
    )
    answer = rest.json_body(payload)
    return answer["access_token"], float(answer["expires_on"])


_provider: TokenProvider = managed_identity_token


def use_provider(provider: TokenProvider) -> None:
    global _provider
    with _lock:
        _provider = provider
        _cache.clear()


def token(resource: str) -> str:
    with _lock:
        hit = _cache.get(resource)
        if hit and hit[1] - _REFRESH_MARGIN > time.time():
            return hit[0]
        value, expires = _provider(resource)
        _cache[resource] = (value, expires)
        return value


def bearer(resource: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(resource)}"}
