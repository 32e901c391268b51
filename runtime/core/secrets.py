"""Secrets by name, read through the cloud's secret store and kept for five minutes.

The cache keeps the store off the hot path (a bridge request would otherwise cost a secret read);
the TTL lets a rotated token take effect without a redeploy. Each cloud supplies `fetch`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable

TTL_SECONDS = 300.0


class SecretCache:
    def __init__(self, fetch: Callable[..., str], ttl: float = TTL_SECONDS) -> None:
        self._fetch, self._ttl = fetch, ttl
        self._lock = threading.Lock()
        self._cached: dict[Hashable, tuple[float, str]] = {}

    def get(self, *key: Hashable) -> str:
        """`fetch(*key)`, or its value of the last five minutes."""
        now = time.monotonic()
        with self._lock:
            hit = self._cached.get(key)
        if hit and now - hit[0] < self._ttl:
            return hit[1]
        value = self._fetch(*key)
        with self._lock:
            self._cached[key] = (now, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._cached.clear()
