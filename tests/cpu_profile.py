"""`pytest --cpu-table=FILE`: CPU seconds (user+sys) and wall seconds of each test file, to tell
the tests that compute from those that wait (a sleep, a timeout, a server starting).

CPU counts the test process, the children it has reaped, and the live descendants (the jsii
kernel, which does the synth work, lives as long as the worker: resource.getrusage alone would
never see it). Per test phase, so a fixture's setup is charged to the test that first needs it.
Each xdist worker writes FILE.<worker>; the controller merges them into FILE, slowest wall first,
with the totals. Off by default (reading /proc per phase costs a few milliseconds).
"""

from __future__ import annotations

import os
import resource
import time
from collections import defaultdict
from pathlib import Path

import pytest

TICKS = os.sysconf("SC_CLK_TCK")


def tree_cpu() -> float:
    """CPU seconds of this process, its reaped children and its live descendants."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = own.ru_utime + own.ru_stime + reaped.ru_utime + reaped.ru_stime
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        # utime, stime, cutime, cstime (fields 14-17 of proc(5); 0-based 11-14 after the name)
        times[pid] = sum(int(value) for value in fields[11:15]) / TICKS
    me, descendants, frontier = os.getpid(), set(), {os.getpid()}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier and pid not in descendants and pid != me}
        descendants |= frontier
    return total + sum(times[pid] for pid in descendants)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--cpu-table", default=None, help="write CPU and wall seconds per test file to this file")


class Recorder:
    def __init__(self, path: Path, worker: str | None) -> None:
        self.path, self.worker = path, worker
        self.cpu: dict[str, float] = defaultdict(float)
        self.wall: dict[str, float] = defaultdict(float)
        self.tests: dict[str, int] = defaultdict(int)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None):
        file = item.location[0]
        cpu, wall = tree_cpu(), time.monotonic()
        yield
        self.cpu[file] += tree_cpu() - cpu
        self.wall[file] += time.monotonic() - wall
        self.tests[file] += 1

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.worker:
            rows = [f"{self.cpu[f]:.2f}\t{self.wall[f]:.2f}\t{self.tests[f]}\t{f}" for f in self.wall]
            Path(f"{self.path}.{self.worker}").write_text("\n".join(rows) + "\n")
        else:
            write_table(self.path, [(self.cpu[f], self.wall[f], self.tests[f], f) for f in self.wall])


def write_table(path: Path, rows: list[tuple[float, float, int, str]]) -> None:
    rows = sorted(rows, key=lambda row: -row[1])
    lines = [f"{'cpu s':>8} {'wall s':>8} {'wait s':>8} {'tests':>6}  file"]
    lines += [f"{cpu:8.1f} {wall:8.1f} {max(wall - cpu, 0):8.1f} {count:6d}  {file}" for cpu, wall, count, file in rows]
    lines.append(f"{sum(r[0] for r in rows):8.1f} {sum(r[1] for r in rows):8.1f} {'':>8} {sum(r[2] for r in rows):6d}  total")
    path.write_text("\n".join(lines) + "\n")


def pytest_configure(config: pytest.Config) -> None:
    table = config.getoption("--cpu-table")
    if table:
        config.pluginmanager.register(Recorder(Path(table).resolve(), os.environ.get("PYTEST_XDIST_WORKER")), "cpu-table")


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """The controller of an xdist run merges the workers' parts (they have ended by now)."""
    table = config.getoption("--cpu-table")
    if not table or os.environ.get("PYTEST_XDIST_WORKER"):
        return
    parts = sorted(Path(table).resolve().parent.glob(Path(table).name + ".gw*"))
    if not parts:
        return
    merged: dict[str, list] = {}
    for part in parts:
        for line in part.read_text().splitlines():
            cpu, wall, count, file = line.split("\t")
            row = merged.setdefault(file, [0.0, 0.0, 0, file])
            row[0] += float(cpu)
            row[1] += float(wall)
            row[2] += int(count)
        part.unlink()
    write_table(Path(table).resolve(), [tuple(row) for row in merged.values()])  # type: ignore[misc]
