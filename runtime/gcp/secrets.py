"""Inter-cloud tokens from Secret Manager, by the secret's resource name, cached for five minutes.

Functions get `projects/<p>/secrets/<id>` in an environment variable, never the value; the
latest version is read at run time, so a rotated token takes effect without a redeploy.
"""

from __future__ import annotations

import time

from runtime.gcp import clients

TTL_SECONDS = 300.0

_cached: dict[str, tuple[float, str]] = {}


def get_secret(name: str) -> str:
    now = time.monotonic()
    hit = _cached.get(name)
    if hit and now - hit[0] < TTL_SECONDS:
        return hit[1]
    version = name if "/versions/" in name else f"{name}/versions/latest"
    value = clients.secret_manager().access_secret_version(name=version).payload.data.decode()
    _cached[name] = (now, value)
    return value
