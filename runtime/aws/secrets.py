"""Inter-cloud tokens from Secrets Manager, by secret name, cached for five minutes.

The cache keeps the per-request cost off the hot path; the TTL lets a rotated token take
effect without a redeploy.
"""

from __future__ import annotations

import time

from runtime.aws import clients

TTL_SECONDS = 300.0

_cached: dict[str, tuple[float, str]] = {}


def get_secret(name: str) -> str:
    now = time.monotonic()
    hit = _cached.get(name)
    if hit and now - hit[0] < TTL_SECONDS:
        return hit[1]
    value = clients.client("secretsmanager").get_secret_value(SecretId=name)["SecretString"]
    _cached[name] = (now, value)
    return value
