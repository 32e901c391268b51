"""Inter-cloud tokens from Secret Manager, by the secret's resource name, cached for five minutes
(runtime.core.secrets).

Functions get `projects/<p>/secrets/<id>` in an environment variable, never the value; the
latest version is read at run time, so a rotated token takes effect without a redeploy.
"""

from __future__ import annotations

from runtime.core.secrets import SecretCache
from runtime.gcp import clients


def fetch(name: str) -> str:
    version = name if "/versions/" in name else f"{name}/versions/latest"
    return str(clients.secret_manager().access_secret_version(name=version).payload.data.decode())


CACHE = SecretCache(fetch)
get_secret = CACHE.get
