"""boto3 clients, created on first use and reused for the life of the function instance.

Created under a lock: concurrent first calls (a host running invocations side by side, threads
of one handler) make one client, not one each (a client costs a hundred milliseconds of CPU, and
boto3's default session is not thread-safe). `cache_clear()` forgets them (tests, a new endpoint)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import boto3


class _Made:
    def __init__(self, make: Callable[[str], Any]) -> None:
        self._make, self._made, self._lock = make, dict[str, Any](), threading.Lock()

    def __call__(self, name: str) -> Any:
        made = self._made.get(name)
        if made is None:
            with self._lock:
                made = self._made.get(name)
                if made is None:
                    made = self._made[name] = self._make(name)
        return made

    def cache_clear(self) -> None:
        with self._lock:
            self._made.clear()


client = _Made(lambda service: boto3.client(service))
dynamodb_table = _Made(lambda name: boto3.resource("dynamodb").Table(name))
