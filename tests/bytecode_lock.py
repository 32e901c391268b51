"""The pytest-xdist workers compile each module once between them, not once each.

`make install` installs without byte-compiling (Makefile: the provider bindings hold thousands of
modules never imported), so Python writes a module's bytecode on its first import, and pytest its
assertion-rewritten test modules on their first collection. From a clean clone all workers start
together and collect the same modules at the same moment: each compiled the 50 MB of bytecode
of aws_cdk, CDK Terrain and its Google provider (through cdk_app) and rewrote the 300 test
modules itself, before any had written a file the others could read (`make test` from a clean
clone: 44 CPU-s for the three workers' collections, 22 CPU-s once the files exist).

`install(folder)` makes a worker compile a module, or rewrite a test module, only under an
exclusive file lock on it (one of LOCKS lock files in `folder`, chosen by the source's path): a
worker asking meanwhile waits, then reads what the first one wrote. A module whose bytecode is
newer than its source takes no lock. Nothing changes when no bytecode is written
(PYTHONDONTWRITEBYTECODE), and a pytest without the rewrite functions used here (pinned in
setup.py) only loses the rewrite half.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import os
import sys
from collections.abc import Iterator
from importlib.machinery import SourceFileLoader
from pathlib import Path
from types import CodeType
from typing import Any

LOCKS = 64
_compile_unlocked = SourceFileLoader.get_code


@contextlib.contextmanager
def locked(folder: Path, source: str) -> Iterator[None]:
    """Exclusive, across processes, for `source` (and the sources sharing its lock file)."""
    bucket = int(hashlib.sha256(source.encode()).hexdigest(), 16) % LOCKS
    with open(folder / f"{bucket}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def needs_compiling(source: str) -> bool:
    """True unless the source's bytecode exists and is not older than it (the import still checks it)."""
    try:
        return os.stat(importlib.util.cache_from_source(source)).st_mtime < os.stat(source).st_mtime
    except (OSError, NotImplementedError, ValueError):
        return True


def install(folder: Path) -> bool:
    """Compile and rewrite under the source's lock in `folder` from now on, in this process; False
    (nothing done) when this process writes no bytecode."""
    if sys.dont_write_bytecode:
        return False
    folder.mkdir(parents=True, exist_ok=True)

    def get_code(loader: SourceFileLoader, fullname: str) -> CodeType | None:
        source = loader.get_filename(fullname)
        if not needs_compiling(source):
            return _compile_unlocked(loader, fullname)
        with locked(folder, source):  # the bytecode another worker wrote meanwhile is read, not compiled again
            return _compile_unlocked(loader, fullname)

    SourceFileLoader.get_code = get_code  # type: ignore[method-assign,assignment]
    _lock_assertion_rewriting(folder)
    return True


def _lock_assertion_rewriting(folder: Path) -> None:
    """pytest rewrites a test module whose rewritten pyc is missing or stale; under the lock, the
    pyc another worker wrote meanwhile is read instead, and a rewrite is written before unlocking."""
    from _pytest.assertion import rewrite

    needed = ("_rewrite_test", "_read_pyc", "_write_pyc", "get_cache_dir", "PYC_TAIL", "assertstate_key")
    if not all(hasattr(rewrite, name) for name in needed):
        return
    rewrite_unlocked = rewrite._rewrite_test

    def rewrite_test(fn: Path, config: Any) -> tuple[bytes, CodeType]:
        pyc = rewrite.get_cache_dir(fn) / (fn.name[:-3] + rewrite.PYC_TAIL)
        with locked(folder, str(fn)):
            if (co := rewrite._read_pyc(fn, pyc)) is not None:
                return importlib.util.source_hash(fn.read_bytes()), co
            source_hash, co = rewrite_unlocked(fn, config)
            rewrite._write_pyc(config.stash[rewrite.assertstate_key], co, source_hash, pyc)
            return source_hash, co

    rewrite._rewrite_test = rewrite_test
