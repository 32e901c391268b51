"""A function instance's boto3 clients (runtime/aws/clients.py): made once per service and reused,
also when its first calls come side by side (a host runs invocations on several threads; each
client costs a hundred milliseconds of CPU, and boto3's default session is not thread-safe)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from runtime.aws import clients


def test_concurrent_first_calls_make_one_client_and_cache_clear_forgets_it(monkeypatch):
    made: list[str] = []
    start = threading.Barrier(4)

    def make(service: str) -> object:
        made.append(service)
        time.sleep(0.2)  # as slow as a real client: the other threads arrive meanwhile
        return object()

    monkeypatch.setattr(clients.boto3, "client", make)
    clients.client.cache_clear()
    try:
        def first_call(_: int) -> object:
            start.wait()
            return clients.client("lambda")

        with ThreadPoolExecutor(4) as pool:
            got = list(pool.map(first_call, range(4)))
        assert made == ["lambda"] and all(client is got[0] for client in got)
        assert clients.client("s3") is not got[0] and made == ["lambda", "s3"]
        clients.client.cache_clear()
        assert clients.client("lambda") is not got[0] and made == ["lambda", "s3", "lambda"]
    finally:
        clients.client.cache_clear()
