"""Secrets from the layer's Key Vault, by name, read with the managed identity and cached five minutes.

Functions get KEY_VAULT_URI and secret NAMES (`*_TOKEN_SECRET`, `*_SECRET`), never values; the
cache keeps the vault off the hot path, the TTL lets a rotated token take effect without a deploy.
"""

from __future__ import annotations

import os
import time
from urllib.parse import quote

from runtime.azure import identity, rest

TTL_SECONDS = 300.0
API_VERSION = "7.4"

_cached: dict[str, tuple[float, str]] = {}


def get_secret(name: str, vault_uri: str | None = None) -> str:
    vault = (vault_uri or os.environ.get("KEY_VAULT_URI") or "").rstrip("/")
    if not vault:
        raise RuntimeError("KEY_VAULT_URI is not set")
    key, now = f"{vault}|{name}", time.monotonic()
    hit = _cached.get(key)
    if hit and now - hit[0] < TTL_SECONDS:
        return hit[1]
    _, _, payload = rest.checked(
        "GET", f"{vault}/secrets/{quote(name)}?api-version={API_VERSION}", identity.bearer(identity.KEY_VAULT)
    )
    value = rest.json_body(payload)["value"]
    _cached[key] = (now, value)
    return value


def clear_cache() -> None:
    _cached.clear()
