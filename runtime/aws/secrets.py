"""Inter-cloud tokens from Secrets Manager, by secret name, cached for five minutes (runtime.core.secrets)."""

from __future__ import annotations

from runtime.aws import clients
from runtime.core.secrets import SecretCache


def fetch(name: str) -> str:
    return str(clients.client("secretsmanager").get_secret_value(SecretId=name)["SecretString"])


CACHE = SecretCache(fetch)
get_secret = CACHE.get
