"""One synth cache for the whole test run, shared by every pytest-xdist worker (on disk).

A synth is slow (a minute of CPU for a multi-cloud twin on a busy machine), and most test packages
need the same few projects. Each entry is a folder keyed by what decides its output: the kind of
synth, the project's files (relative paths and bytes) and the context. The first worker to ask
makes it under an exclusive file lock; a worker asking meanwhile waits on the lock and then reads
the files; nobody synthesizes the same thing twice in one run.

The cache lives in one folder per run (`TWIN_TESTS_SYNTH_CACHE`, made and removed by the pytest
controller in tests/conftest.py, inherited by its workers), so a change of the code under test is
never hidden by an older synth. Entries are read-only for tests: copy before changing a file.

Objects that cannot be written to disk (construct trees, for construct attributes) live in the
process that made the entry; `live(folder)` returns them there, None elsewhere.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any

VARIABLE = "TWIN_TESTS_SYNTH_CACHE"
# When set, each entry made appends a line to this file: seconds of wall and CPU (this process
# and its live descendants, the jsii kernel included), the worker, the entry's name and project.
LOG_VARIABLE = "TWIN_TESTS_SYNTH_LOG"
DONE = ".done"
_LIVE: dict[Path, Any] = {}


def root() -> Path:
    """The run's cache folder (a private one when no controller made one, e.g. a plain import)."""
    folder = os.environ.get(VARIABLE)
    if not folder:
        folder = os.environ[VARIABLE] = tempfile.mkdtemp(prefix="twin-synths-")
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


def tree_digest(folder: Path) -> str:
    """SHA-256 over every file below `folder`: relative path and bytes (links as their target text)."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_symlink():
            digest.update(f"L {relative} {os.readlink(path)}\0".encode())
        elif path.is_file():
            digest.update(f"F {relative}\0".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def key(kind: str, project: Path, context: dict[str, Any], **extra: Any) -> str:
    parts = {"kind": kind, "project": tree_digest(project), "context": context, **extra}
    text = json.dumps(parts, sort_keys=True, default=str)
    return f"{kind}-{hashlib.sha256(text.encode()).hexdigest()[:20]}"


def entry(name: str, produce: Callable[[Path], Any]) -> Path:
    """The folder `produce(folder)` filled, made once per run whichever worker asks first.

    `produce` writes into the (empty) folder; what it returns is kept in this process (`live`).
    A failed `produce` leaves no entry: the next asker tries again and sees the same error.
    """
    folder = root() / name
    with open(root() / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (folder / DONE).is_file():
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir()
                started = _clock()
                _LIVE[folder] = produce(folder)
                (folder / DONE).write_text("")
                _log(name, folder, started)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return folder


def _clock() -> tuple[float, float]:
    from tests.cpu_profile import tree_cpu

    return time.monotonic(), tree_cpu() if os.environ.get(LOG_VARIABLE) else 0.0


def _log(name: str, folder: Path, started: tuple[float, float]) -> None:
    log = os.environ.get(LOG_VARIABLE)
    if not log:
        return
    wall, cpu = (now - then for now, then in zip(_clock(), started, strict=True))
    line = f"{wall:.1f}\t{cpu:.1f}\t{os.environ.get('PYTEST_XDIST_WORKER', '-')}\t{name}\t{_project_name(folder / 'project')}\n"
    with open(log, "a") as file:
        file.write(line)


def _project_name(project: Path) -> str:
    """The twin's name and provider map (L1 … L5), for a reader to match the entry to its tests."""
    try:
        name = json.loads((project / "config.json").read_text()).get("digital_twin_name", "?")
        providers = json.loads((project / "config_providers.json").read_text())
    except (OSError, ValueError, AttributeError):
        return "?"
    return f"{name} {' '.join(str(value) for value in providers.values())}"


def live(folder: Path) -> Any:
    """What `produce` returned for this entry, if this process made it; else None."""
    return _LIVE.get(folder)


class Entry:
    """An entry's folder and the project it was made from (its copy `folder/project` unless told),
    with the project's validated config and topology computed on first use: the base of every
    kind's result."""

    def __init__(self, folder: Path, project: Path | None = None) -> None:
        self.folder = folder
        self.project = project or folder / "project"

    @cached_property
    def config(self):  # twin_model.config.model.ProjectConfig
        from twin_model.config import load_project

        return load_project(self.project)

    @cached_property
    def topology(self):  # twin_model.topology.Topology
        from twin_model.topology import plan_project

        return plan_project(self.config)


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=1, sort_keys=True, default=str))
