"""Stopping a local run (SIGTERM, or Ctrl-C's SIGINT) ends every process it started: the MQTT
broker, moto, Azurite and every function host, not only the runner.

The run is a child process driven as `python -m twin_ops local` drives it (run_local, then the
exit code 128 + signal), over the session's synth of a project whose layers span all three
clouds (every kind of server and host starts). It is stopped once every function host is up;
every process descending from it at that moment must be gone once it exits.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.runs

DRIVER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from twin_ops.local.runner import LocalRunRequest, LocalRunStopped, run_local

    project, cdk_out, tf_out, workdir = map(Path, sys.argv[1:5])
    try:
        run_local(LocalRunRequest(project, messages=50, synthesized=(cdk_out, tf_out), workdir=workdir, echo=print))
    except LocalRunStopped as stopped:
        sys.exit(128 + stopped.signum)
""")


def descendants(pid: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_stopping_a_run_ends_every_process_it_started(matrix_synth, tmp_path, signum):
    synth = matrix_synth("mx-template")
    workdir = tmp_path / "run"
    driver = subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(synth.config.root), str(synth.outdir), str(synth.tf_outdir), str(workdir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        # as a terminal's foreground job: Ctrl-C acts even when the test runner was started ignoring it
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 180
        hosts = workdir / "hosts"
        while time.monotonic() < deadline and driver.poll() is None:
            specs, ready = list(hosts.glob("*.json")), list(hosts.glob("*.ready"))
            if specs and len(ready) == len(specs):
                break
            time.sleep(0.2)
        assert driver.poll() is None, driver.stderr.read() if driver.stderr else ""
        started = descendants(driver.pid)
        assert len(started) >= 5, started  # broker, moto, Azurite, function hosts
        driver.send_signal(signum)
        code = driver.wait(timeout=90)
    finally:
        if driver.poll() is None:
            driver.kill()
            driver.wait()
    left = sorted(pid for pid in started if alive(pid))
    for pid in left:  # leave nothing running, then fail
        os.kill(pid, signal.SIGKILL)
    assert left == [], [Path(f"/proc/{pid}/cmdline").read_bytes() for pid in left if Path(f"/proc/{pid}").exists()]
    assert code == 128 + signum
