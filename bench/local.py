"""`make bench-local`: how fast `make local` carries a fleet's records, after the synth.

Two runs, as `make local` runs them: the bundled example with 10 devices × 100 messages (its
budget, issue #12: one minute after the synth), and a mixed placement (examples/factory-floor-aws-azure:
devices on AWS IoT Core, processing and the hot store on Azure, cold on AWS, archive on Azure) with
1,000 devices × 10 messages (10,000 records; issue #25: at least 500 records/s after the synth).
Devices beyond a project's own are cloned from them. Each synth is timed on its own (`python
app.py` in a fresh process, as the runner does), then the run over that output — services, hosts,
publishing, every hop counted, time compressed through cold and archive — per stage. Results go to
bench/local.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from twin_ops.local.fleet import scaled_project  # noqa: E402
from twin_ops.local.runner import LocalRunRequest, LocalRunResult, render, run_local  # noqa: E402

RESULTS = REPO / "bench" / "local.md"
BUDGET_SECONDS = 60.0  # the bundled example, 1,000 records
TARGET_RECORDS_PER_SECOND = 500.0  # the 10,000-record fleet
HOST_SERVER = "function host server (imports once, forks the hosts)"


@dataclass(frozen=True)
class Case:
    project: str
    devices: int
    messages: int

    @property
    def records(self) -> int:
        return self.devices * self.messages


CASES = (Case("examples/factory-floor", 10, 100), Case("examples/factory-floor-aws-azure", 1000, 10))


class ProcessCpu:
    """CPU seconds of every process the run starts (read from /proc every half second, so a process's
    last half second may be missed), by kind: the wall clock of a shared machine says little, the
    CPU each part spends per record says where the time goes."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self) -> None:
        self._seen: dict[int, tuple[str, float]] = {}
        self._kinds: dict[int, tuple[list[str], str]] = {}  # the command line each kind was found for
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> "ProcessCpu":
        self._before = sum(os.times()[:2])  # this process's CPU before the run (an earlier case's)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._stop.wait(0.5):
            pending = [os.getpid()]
            while pending:
                pid = pending.pop()
                try:
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    command = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
                    pending += [int(child) for task in Path(f"/proc/{pid}/task").iterdir()
                                for child in (task / "children").read_text().split()]
                except OSError:
                    continue
                known = self._seen.get(pid, ("", 0.0))[0]
                # A zombie's command line is empty; a child seen between its fork and its exec has its
                # parent's; a forked host is known once its ready file names it. Otherwise a kind once
                # found stays (this loop runs in the runner, whose CPU it would add to).
                cached = self._kinds.get(pid)
                if known and not command[0]:
                    kind = known
                elif cached and cached[0] == command and cached[1] != HOST_SERVER:
                    kind = cached[1]
                else:
                    kind = self._kind(pid, command)
                    self._kinds[pid] = (command, kind)
                self._seen[pid] = (kind, (int(fields[11]) + int(fields[12])) / self.TICK)

    @staticmethod
    def _kind(pid: int, command: list[str]) -> str:
        if pid == os.getpid():
            return "runner (stand-ins, Lambda service, triggers, census)"
        if "fork" in command and any(part.endswith(".json") for part in command):  # the host server, or a host it forked
            for part in command:
                if part.endswith(".json"):
                    spec = json.loads(Path(part).read_text())
                    ready = Path(spec["ready_file"])
                    if ready.is_file() and json.loads(ready.read_text()).get("pid") == pid:
                        return f"{spec['cloud']} function host {spec['label'].split('/')[0]}"
            return HOST_SERVER
        text = " ".join(command)
        for name in ("moto", "azurite", "mosquitto", "amqtt", "broker", "asl_validator", "dtdl"):
            if name in text:
                return name
        return text[:60]

    def by_kind(self) -> Counter:
        totals: Counter = Counter()
        for pid, (kind, seconds) in self._seen.items():
            totals[kind] += seconds - (self._before if pid == os.getpid() else 0.0)
        return totals


@dataclass(frozen=True)
class LocalBench:
    project: str
    devices: int
    messages: int
    synth_seconds: float
    run_seconds: float  # after the synth: from starting services to the table
    result: LocalRunResult
    load: float = 0.0  # 1-minute load average when the run started (other work shares the cores)
    cpu: Counter = field(default_factory=Counter)  # CPU seconds by kind of process

    @property
    def records(self) -> int:
        return self.devices * self.messages

    @property
    def rate(self) -> float:
        return self.records / self.run_seconds

    def row(self) -> str:
        return (f"| `{self.project}` | {self.devices:,} × {self.messages:,} | {self.records:,} | {self.synth_seconds:.1f} | "
                f"{self.run_seconds:.1f} | {self.rate:.0f} | {self.load:.1f} | {'yes' if self.result.ok else 'NO'} |")

    def verdict(self) -> str:
        if self.records >= 10_000:
            held = self.rate >= TARGET_RECORDS_PER_SECOND
            return (f"Target {self.records:,} records: at least {TARGET_RECORDS_PER_SECOND:.0f} records/s after the synth — "
                    f"{'met' if held else 'MISSED'} ({self.rate:.0f} records/s).")
        held = self.run_seconds <= BUDGET_SECONDS
        return f"Budget {self.records:,} records: one minute after the synth — {'within' if held else 'OVER'} ({self.run_seconds:.1f} s)."

    @property
    def ok(self) -> bool:
        within = self.rate >= TARGET_RECORDS_PER_SECOND if self.records >= 10_000 else self.run_seconds <= BUDGET_SECONDS
        return self.result.ok and within

    def stages(self) -> str:
        stages = ", ".join(f"{name} {seconds:g} s" for name, seconds in self.result.timings.items())
        return f"Stages ({self.records:,} records): {stages}."

    def cpu_table(self) -> list[str]:
        total = sum(self.cpu.values())
        return [f"CPU of `{self.project}` ({self.records:,} records; {total:.1f} CPU-s, {1000 * total / self.records:.1f} ms per record):",
                "", "| process | CPU-s | ms per record |", "|---|---:|---:|",
                *(f"| {kind} | {seconds:.1f} | {1000 * seconds / self.records:.2f} |" for kind, seconds in self.cpu.most_common()), ""]


def markdown(benches: list[LocalBench]) -> str:
    lines = [
        "# `make local` benchmark",
        "",
        f"Machine: {os.cpu_count()} cores, shared (the load average when each run started is in its row). Every record "
        "counted through every hop, read back through the twin and the dashboards, moved to cold and archive.",
        "",
        "| project | devices × messages | records | synth s | run after synth s | records/s | load | every record accounted for |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
        *(bench.row() for bench in benches),
        "",
        *(bench.stages() for bench in benches),
        "",
        *(bench.verdict() for bench in benches),
        "",
    ]
    for bench in benches:
        lines += bench.cpu_table()
    for bench in benches:
        lines += ["```text", render(bench.result, f"{bench.project}, {bench.devices} devices × {bench.messages} messages"), "```", ""]
    return "\n".join(lines)


def measure(project: Path, devices: int, messages: int, workdir: Path, timeout: float) -> LocalBench:
    scaled = scaled_project(project, devices, workdir / "project")
    cdk_out, tf_out = workdir / "cdk.out", workdir / "cdktf.out"
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, str(REPO / "app.py")], cwd=REPO, capture_output=True, text=True,
        env={**os.environ, "CDK_OUTDIR": str(cdk_out), "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
             "CDK_CONTEXT_JSON": json.dumps({"project": str(scaled), "tf_outdir": str(tf_out)})},
    )
    synth_seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"synth failed:\n{completed.stderr[-3000:]}")
    load = os.getloadavg()[0]
    started = time.perf_counter()
    with ProcessCpu() as cpu:
        result = run_local(LocalRunRequest(
            scaled, messages=messages, synthesized=(cdk_out, tf_out), workdir=workdir / "run",
            echo=lambda line: print(line, file=sys.stderr), timeout=timeout,
        ))
    return LocalBench(str(project.relative_to(REPO)) if project.is_relative_to(REPO) else str(project), devices, messages,
                      synth_seconds, time.perf_counter() - started, result, load, cpu.by_kind())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project", type=Path, help="one project instead of the two benchmark cases")
    parser.add_argument("--devices", type=int, default=10)
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds each stage may take to settle (default 600)")
    args = parser.parse_args()
    cases = [Case(str(args.project), args.devices, args.messages)] if args.project else list(CASES)
    benches = []
    for case in cases:
        with tempfile.TemporaryDirectory(prefix="dt-bench-local-") as workdir:
            benches.append(measure((REPO / case.project).resolve(), case.devices, case.messages, Path(workdir), args.timeout))
        args.output.write_text(markdown(benches), encoding="utf-8")  # after each case: a later one may take long
    print(markdown(benches), file=sys.stderr)
    print(f"wrote {args.output}", file=sys.stderr)
    return 0 if all(bench.ok for bench in benches) else 1


if __name__ == "__main__":
    sys.exit(main())
