"""Workers starting together compile a module once between them (tests/bytecode_lock.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from tests.conftest import REPO

WORKERS = 3
# Each process counts its own compiles of the module, waits for the start signal, then imports it.
WORKER = """
import sys, time
from importlib.machinery import SourceFileLoader
from pathlib import Path
from tests import bytecode_lock

folder = Path(sys.argv[1])
assert bytecode_lock.install(folder / "locks")
compile_source = SourceFileLoader.source_to_code
def counted(self, data, path, *args, **kwargs):
    with open(folder / "compiles", "a") as log:
        log.write(path + "\\n")
    return compile_source(self, data, path, *args, **kwargs)
SourceFileLoader.source_to_code = counted
sys.path.insert(0, str(folder / "modules"))
(folder / f"ready-{sys.argv[2]}").touch()
while not (folder / "go").exists():
    time.sleep(0.001)
import big_module
assert big_module.LAST == 39999
"""


def test_workers_importing_a_module_together_compile_it_once(tmp_path):
    modules = tmp_path / "modules"
    modules.mkdir()
    # Long enough to compile (a few tenths of a second) that unlocked workers would overlap.
    lines = [f"VALUE_{n} = {{'n': {n}, 'twice': [{n}, {n}]}}\n" for n in range(40000)]
    (modules / "big_module.py").write_text("".join(lines) + "LAST = 39999\n")
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    workers = [
        subprocess.Popen([sys.executable, "-c", WORKER, str(tmp_path), str(n)], cwd=REPO, env=env)
        for n in range(WORKERS)
    ]
    try:
        while len(list(tmp_path.glob("ready-*"))) < WORKERS and all(w.poll() is None for w in workers):
            time.sleep(0.01)
        (tmp_path / "go").touch()
        assert [w.wait(timeout=120) for w in workers] == [0] * WORKERS
    finally:
        for worker in workers:
            worker.kill()
            worker.wait()
    compiled = (tmp_path / "compiles").read_text().split()
    assert compiled == [str(modules / "big_module.py")]  # one worker compiled, the others read its bytecode
    assert (modules / "__pycache__").is_dir()
