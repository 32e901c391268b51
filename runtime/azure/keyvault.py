"""Secrets from the layer's Key Vault, by name, read with the managed identity and cached five
minutes (runtime.core.secrets).

Functions get KEY_VAULT_URI and secret NAMES (`*_TOKEN_SECRET`, `*_SECRET`), never values.
"""

from __future__ import annotations

import os
from urllib.parse import quote

from runtime.azure import identity, rest
from runtime.core.secrets import SecretCache
from twin_contract.functions import KEY_VAULT_URI

API_VERSION = "7.4"


def fetch(vault: str, name: str) -> str:
    _, _, payload = rest.checked(
        "GET", f"{vault}/secrets/{quote(name)}?api-version={API_VERSION}", identity.bearer(identity.KEY_VAULT)
    )
    return str(rest.json_body(payload)["value"])


CACHE = SecretCache(fetch)


def get_secret(name: str, vault_uri: str | None = None) -> str:
    vault = (vault_uri or os.environ.get(KEY_VAULT_URI) or "").rstrip("/")
    if not vault:
        raise RuntimeError(f"{KEY_VAULT_URI} is not set")
    return CACHE.get(vault, name)


def clear_cache() -> None:
    CACHE.clear()
