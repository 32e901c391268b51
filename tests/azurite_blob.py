"""Azurite's blob service for a test module: from `make install` (never fetched), on a free port."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import REPO
from twin_ops.local.services import free_port, wait_for_port


@contextmanager
def azurite_blob(folder: Path, account: str, key: str) -> Iterator[str]:
    """Yields the account's blob endpoint. Killed at the end: Azurite's SIGTERM waits for the
    keep-alive connections the test process holds, and its data in `folder` is scratch."""
    local = REPO / "node_modules" / ".bin" / "azurite-blob"
    if not local.exists() or shutil.which("node") is None:
        pytest.fail("Azurite is not installed: run `make install` (npm ci puts it into node_modules)")
    port = free_port()
    process = subprocess.Popen(
        [str(local), "--blobHost", "127.0.0.1", "--blobPort", str(port), "--location", str(folder),
         "--silent", "--skipApiVersionCheck", "--loose"],
        env={**os.environ, "AZURITE_ACCOUNTS": f"{account}:{key}"}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, process, "Azurite", Path(os.devnull), timeout=60)
        yield f"http://127.0.0.1:{port}/{account}"
    finally:
        process.kill()
        process.wait()
