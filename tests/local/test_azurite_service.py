"""The run's Azurite keeps its queues in files of the run's folder, not in memory.

In memory (--inMemoryPersistence) every queue message is an extent of its own, and Azurite's queue
garbage collection (once a minute, not configurable) removes the deleted messages' extents one by
one from an indexed LokiJS collection, in quadratic time without yielding: a 300 devices × 10
messages run of factory-floor-aws-azure saw Azurite at full CPU answering nothing for 22 s, past
the functions' storage timeout (15 s): 91 function errors. On disk, messages share extent files.
"""

from __future__ import annotations

import os
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from twin_ops.local.function_host import KeptAlive, queue_message
from twin_ops.local.services import Services
from twin_ops.local.standins.azure import entra_token
from twin_ops.local.tls import make_tls


@contextmanager
def queue_created(tmp_path: Path) -> Iterator[tuple[KeptAlive, str, dict[str, str]]]:
    """The run's Azurite with the queue `work` of account1: a client, the queue's URL, the headers
    a call needs. Azurite stops on the way out."""
    tls = make_tls(tmp_path / "tls")
    services = Services(tmp_path, tls)
    try:
        queue = f"{services.azurite(['account1'])['queue']}/account1/work"
        http = KeptAlive(ssl.create_default_context(cafile=str(tls.ca_file)))
        headers = {"x-ms-version": "2021-08-06", "Authorization": f"Bearer {entra_token('https://storage.azure.com/')[0]}"}
        status, _ = http.call("PUT", queue, b"", {**headers, "Content-Length": "0"})
        assert status == 201
        yield http, queue, headers
    finally:
        services.close()


def test_azurite_writes_queue_messages_to_files_of_the_run_folder(tmp_path):
    with queue_created(tmp_path) as (http, queue, headers):
        body = queue_message("aGVsbG8=" * 64)
        status, _ = http.call("POST", f"{queue}/messages", body, {**headers, "Content-Length": str(len(body))})
        assert status == 201
        stored = tmp_path / "azurite" / "__queuestorage__"
        assert stored.is_dir() and sum(path.stat().st_size for path in stored.rglob("*") if path.is_file()) >= len("aGVsbG8=" * 64)
    assert not any(name.startswith("__azurite") for name in os.listdir(tmp_path))  # nothing in the run folder's root


def test_azurite_runs_without_telemetry(tmp_path, monkeypatch):
    """Azurite 3.35 and later record every request for Microsoft's telemetry service unless told not
    to (--disableTelemetry): CPU per request for nothing the run needs, data sent off the machine,
    and what it could not send spooled into the temporary folder (Microsoft-AzureMonitor-*)."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))  # Azurite inherits the environment: node's os.tmpdir()
    with queue_created(tmp_path):
        deadline = time.monotonic() + 5  # with telemetry, its spool appears within a second or two
        while time.monotonic() < deadline and not spooled(scratch):
            time.sleep(0.1)
    assert not spooled(scratch)


def spooled(folder):
    return [name for name in os.listdir(folder) if name.startswith("Microsoft-AzureMonitor")]
