"""`make bench-local`: how fast `make local` carries a fleet's records, after the synth.

Two runs, as `make local` runs them: the bundled example with 10 devices × 100 messages (its
budget, issue #12: one minute after the synth), and a mixed placement (examples/factory-floor-aws-azure:
devices on AWS IoT Core, processing and the hot store on Azure, cold on AWS, archive on Azure) with
1,000 devices × 10 messages (10,000 records; issue #25: at least 500 records/s after the synth).
Devices beyond a project's own are cloned from them. Each synth is timed on its own (`python
app.py` in a fresh process, as the runner does), then the run over that output — services, hosts,
publishing, every hop counted, time compressed through cold and archive — per stage. Last, the
entry floor: the fleet case's records through their first hop alone (`entry_floor`; `--floor` runs
only it). Results go to bench/local.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from twin_model.config import load_project  # noqa: E402
from twin_model.config.model import Provider  # noqa: E402
from twin_ops.local import fleet  # noqa: E402
from twin_ops.local.clouds import local_cloud  # noqa: E402
from twin_ops.local.devices import LINK_TIMEOUT  # noqa: E402
from twin_ops.local.fleet import scaled_project  # noqa: E402
from twin_ops.local.ledger import Ledger  # noqa: E402
from twin_ops.local.mqtt import MqttClient  # noqa: E402
from twin_ops.local.runner import PUBLISHERS, LocalRunRequest, LocalRunResult, render, run_local  # noqa: E402
from twin_ops.local.services import Services  # noqa: E402
from twin_ops.local.standins.aws import IotCore  # noqa: E402
from twin_ops.local.tls import make_tls  # noqa: E402

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
FLOOR = CASES[1]  # the entry floor: the fleet case's devices and messages
RUNNER = "runner (stand-ins, Lambda service, triggers, census)"
DEVICES = "devices + IoT rule (one process)"


class ProcessCpu:
    """CPU seconds of every process the run starts (read from /proc every half second, so a process's
    last half second may be missed), by kind: the wall clock of a shared machine says little, the
    CPU each part spends per record says where the time goes."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self) -> None:
        self._seen: dict[int, tuple[str, float]] = {}
        self._kinds: dict[int, tuple[list[str], str]] = {}  # the command line each kind was found for
        self._stop, self._lock = threading.Event(), threading.Lock()
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
            self.sample()

    def sample(self) -> None:
        """Read every process's CPU now (the loop does it every half second)."""
        with self._lock:
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
            return RUNNER
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


@dataclass(frozen=True)
class EntryFloor:
    broker: str
    devices: int
    records: int  # delivered to the IoT rule
    seconds: float  # publishing, the devices connected
    cpu: Counter  # CPU seconds while publishing: the broker's, and DEVICES
    link_seconds: float = 0.0  # the devices' certificates and TLS connections, before
    link_cpu: float = 0.0  # CPU seconds of every process meanwhile
    load: float = 0.0

    def line(self) -> str:
        per_record = ", ".join(f"{kind} {1000 * seconds / self.records:.2f}" for kind, seconds in self.cpu.most_common())
        return (f"Entry floor ({self.records:,} records, devices' MQTT publish over TLS → {self.broker} → the IoT rule's "
                f"subscription, nothing after it): {self.records / self.seconds:.0f} records/s, "
                f"{1000 * sum(self.cpu.values()) / self.records:.2f} ms CPU per record ({per_record}); before them, "
                f"{self.devices:,} devices' certificates and connections: {self.link_seconds:.1f} s, {self.link_cpu:.1f} CPU-s; "
                f"load {self.load:.1f}.")


def entry_floor(project: Path, devices: int, messages: int, workdir: Path, mosquitto: bool = True,
                timeout: float = LINK_TIMEOUT) -> EntryFloor:
    """A record's first hop alone, with the run's own parts: its broker, its device fleet (each
    device sends its messages in order, waiting for each PUBACK; PUBLISHERS devices at once) and
    the IoT rule's stand-in on its MQTT client, whose Lambda invocations are only counted. The broker
    is the run's: mosquitto when installed (and `mosquitto`), else amqtt."""
    from constructs_lib.aws.l1_telemetry_rule import telemetry_sql  # imports aws_cdk (a node process): here only

    scaled = scaled_project(project, devices, workdir / "project")
    config = load_project(scaled)
    by_device: dict[str, list[bytes]] = {}
    for message in fleet.messages(scaled, sorted(device.id for device in config.devices), messages):
        by_device.setdefault(message.device_id, []).append(json.dumps(message.body).encode())
    sent = sum(map(len, by_device.values()))
    arrived, lock, everything = Counter[str](), threading.Lock(), threading.Event()

    def invoke_async(arn: str, event: dict) -> None:
        with lock:
            arrived[arn] += 1
            if arrived[arn] >= sent:
                everything.set()

    def send(link: Any, payloads: list[bytes]) -> None:
        for payload in payloads:
            link.send(payload)

    tls = make_tls(workdir / "tls")
    with contextlib.ExitStack() as stack:
        services = stack.enter_context(contextlib.closing(Services(workdir, tls)))
        run = SimpleNamespace(mqtt_port=services.broker(mosquitto), config=config, tls=tls, workdir=workdir)
        rule = IotCore(SimpleNamespace(invoke_async=invoke_async), Ledger())
        rule.mqtt = stack.enter_context(contextlib.closing(MqttClient(
            run.mqtt_port, "dt-local-platform", tls.ca_file, *tls.client_certificate(workdir / "tls", "dt-local-platform"))))
        rule.add_rule(telemetry_sql(config.name), ["dispatcher"])
        with ProcessCpu() as cpu, ThreadPoolExecutor(max_workers=PUBLISHERS) as pool:
            cpu.sample()
            before, load, started = cpu.by_kind(), os.getloadavg()[0], time.perf_counter()
            links, close = local_cloud(Provider.AWS).device_links(run, list(by_device), lambda device, text: None)
            stack.callback(close)
            cpu.sample()
            linked, link_seconds, started = cpu.by_kind(), time.perf_counter() - started, time.perf_counter()
            for future in [pool.submit(send, links[device], payloads) for device, payloads in by_device.items()]:
                future.result()
            if not everything.wait(timeout):
                raise RuntimeError(f"entry floor: the IoT rule got {arrived['dispatcher']} of {sent} records")
            seconds = time.perf_counter() - started
            cpu.sample()
            spent = cpu.by_kind() - linked
    return EntryFloor(services.broker_name, len(by_device), arrived["dispatcher"], seconds,
                      Counter({services.broker_name: spent[services.broker_name], DEVICES: spent[RUNNER]}),
                      link_seconds, sum((linked - before).values()), load)


def markdown(benches: list[LocalBench], floor: EntryFloor | None = None) -> str:
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
        *([floor.line(), ""] if floor else []),
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
    parser.add_argument("--devices", type=int, help="devices of --project (default 10; with --floor the fleet case's 1,000)")
    parser.add_argument("--messages", type=int, help="messages per device (default 100; with --floor the fleet case's 10)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds each stage may take to settle (default 600)")
    parser.add_argument("--floor", action="store_true", help="only the entry floor (devices' publish → broker → IoT rule), printed")
    parser.add_argument("--amqtt", action="store_true", help="the entry floor on amqtt even where mosquitto is installed")
    args = parser.parse_args()
    if args.floor:
        with tempfile.TemporaryDirectory(prefix="dt-bench-floor-") as workdir:
            floor = entry_floor((REPO / (args.project or FLOOR.project)).resolve(), args.devices or FLOOR.devices,
                                args.messages or FLOOR.messages, Path(workdir), mosquitto=not args.amqtt)
        print(floor.line())
        return 0
    cases = [Case(str(args.project), args.devices or 10, args.messages or 100)] if args.project else list(CASES)
    benches: list[LocalBench] = []
    for case in cases:
        with tempfile.TemporaryDirectory(prefix="dt-bench-local-") as workdir:
            benches.append(measure((REPO / case.project).resolve(), case.devices, case.messages, Path(workdir), args.timeout))
        args.output.write_text(markdown(benches), encoding="utf-8")  # after each case: a later one may take long
    floor: EntryFloor | None = None
    if not args.project:  # last: nothing else runs meanwhile (and it leaves aws_cdk's node process behind)
        with tempfile.TemporaryDirectory(prefix="dt-bench-floor-") as workdir:
            floor = entry_floor((REPO / FLOOR.project).resolve(), FLOOR.devices, FLOOR.messages, Path(workdir), mosquitto=not args.amqtt)
        args.output.write_text(markdown(benches, floor), encoding="utf-8")
    print(markdown(benches, floor), file=sys.stderr)
    print(f"wrote {args.output}", file=sys.stderr)
    return 0 if all(bench.ok for bench in benches) else 1


if __name__ == "__main__":
    sys.exit(main())
