"""`make bench`: synth time, memory, template sizes, alarms and the one-device diff at 10-100,000 devices,
the project load of a 100,000-device fleet, and bridge throughput.

Each synth runs `app.py` in a fresh process (as `cdk synth` does) while a sampler sums the resident
memory of the whole process tree (Python plus the jsii Node.js child). The one-device diff is
the number of templates and Terraform stacks that differ, byte for byte, between a synth of N and
one of N+1 devices (devices are data, docs/design.md §7a: it must be 0). Results go to
bench/results.md, which the README shows.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.bridge import BridgeResult, measure_bridge  # noqa: E402
from bench.projects import ALL_AWS, TOPOLOGIES, write_project  # noqa: E402
from twin_model.config.devices import MAX_DEVICES  # noqa: E402

DEFAULT_SIZES = (10, 1000, 10_000, 100_000)
RESULTS = REPO / "bench" / "results.md"
# What each cloud calls an alarm: counted so that a run shows alarms do not grow with devices.
AWS_ALARM_TYPES = ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm")
TERRAFORM_ALARM_TYPES = (
    "azurerm_monitor_scheduled_query_rules_alert_v2",
    "azurerm_monitor_metric_alert",
    "google_monitoring_alert_policy",
)


@dataclass(frozen=True)
class SynthResult:
    devices: int
    topology: str
    wall_seconds: float
    peak_rss_mb: float
    stacks: int
    largest_stack_resources: int
    largest_template_kb: float
    total_resources: int
    alarms: int
    one_device_diff: int = 0  # templates and stacks that differ when one device is added (removed at the limit)


def _tree_rss_kb(root_pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/status") as status:
                vmrss = next((line for line in status if line.startswith("VmRSS:")), "VmRSS: 0 kB")
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        pid, ppid = int(entry), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        rss[pid] = int(vmrss.split()[1])
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, ()))
    return total


def _run_sampled(command: list[str], env: dict[str, str]) -> tuple[float, float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_kb(process.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    return wall, peak / 1024, subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def _synth(devices: int, topology: str, workdir: Path, sampled: bool) -> tuple[float, float, Path, Path]:
    project = write_project(workdir / "project", devices, TOPOLOGIES[topology])
    outdir, tf_outdir = workdir / "cdk.out", workdir / "cdktf.out"
    env = {
        **os.environ,
        "CDK_OUTDIR": str(outdir),
        "CDK_CONTEXT_JSON": json.dumps({"project": str(project), "tf_outdir": str(tf_outdir)}),
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    }
    if sampled:
        wall, peak_mb, completed = _run_sampled([sys.executable, "app.py"], env)
    else:
        wall, peak_mb = 0.0, 0.0
        completed = subprocess.run([sys.executable, "app.py"], cwd=REPO, env=env, capture_output=True, text=True)
    if completed.returncode != 0:
        raise SystemExit(f"synth of {devices} devices ({topology}) failed:\n{completed.stderr[-4000:]}")
    return wall, peak_mb, outdir, tf_outdir


def stack_files(outdir: Path, tf_outdir: Path) -> dict[str, bytes]:
    """Every CloudFormation template (nested ones included) and every Terraform stack's cdk.tf.json."""
    files = {f"cdk.out/{p.name}": p.read_bytes() for p in outdir.glob("*.template.json")}
    files.update({f"cdktf.out/{p.relative_to(tf_outdir)}": p.read_bytes() for p in tf_outdir.glob("stacks/*/cdk.tf.json")})
    return files


def measure_synth(devices: int, topology: str, workdir: Path) -> SynthResult:
    wall, peak_mb, outdir, tf_outdir = _synth(devices, topology, workdir / "n", sampled=True)
    counts: list[tuple[int, int]] = []  # (resources, bytes) per template, nested stacks included
    alarms = 0
    for template in outdir.glob("*.template.json"):
        document = json.loads(template.read_text())
        counts.append((len(document.get("Resources", {})), template.stat().st_size))
        alarms += sum(r.get("Type") in AWS_ALARM_TYPES for r in document.get("Resources", {}).values())
    for stack_json in tf_outdir.glob("stacks/*/cdk.tf.json"):
        document = json.loads(stack_json.read_text())
        resources = sum(len(v) for v in document.get("resource", {}).values())
        counts.append((resources, stack_json.stat().st_size))
        alarms += sum(len(document.get("resource", {}).get(kind, {})) for kind in TERRAFORM_ALARM_TYPES)
    before = stack_files(outdir, tf_outdir)
    other = devices + 1 if devices < MAX_DEVICES else devices - 1  # the loader refuses more than its limit
    after = stack_files(*_synth(other, topology, workdir / "other", sampled=False)[2:])
    return SynthResult(
        devices=devices,
        topology=topology,
        wall_seconds=wall,
        peak_rss_mb=peak_mb,
        stacks=len(counts),
        largest_stack_resources=max(c[0] for c in counts),
        largest_template_kb=max(c[1] for c in counts) / 1024,
        total_resources=sum(c[0] for c in counts),
        alarms=alarms,
        one_device_diff=len(set(before) ^ set(after)) + sum(before[name] != after[name] for name in set(before) & set(after)),
    )


def measure_load(devices: int, workdir: Path) -> tuple[float, float]:
    """(seconds, MB of the project files) to load and validate a fleet of `devices`, in-process."""
    from twin_model.config import load_project

    project = write_project(workdir / "load", devices, ALL_AWS)
    size = sum(p.stat().st_size for p in project.rglob("*.json")) / (1024 * 1024)
    start = time.perf_counter()
    config = load_project(project)
    seconds = time.perf_counter() - start
    assert len(config.devices) == devices
    return seconds, size


def alarm_line(rows: list[SynthResult]) -> str:
    """Alarms are per function, queue and rule, never per device: say so, or say how they grew."""
    counts = sorted({r.alarms for r in rows})
    if len(counts) == 1:
        return f"{counts[0]} alarms at every size"
    return "alarms grow with devices: " + ", ".join(f"{r.alarms} at {r.devices:,}" for r in rows)


def render(results: list[SynthResult], bridge: BridgeResult | None, load: tuple[int, float, float] | None = None,
           slopes: bool = True) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {os.cpu_count()} cores; jsii cache warm; each synth in a fresh process (`python app.py`).",
        "Stacks and resources count nested stacks and Terraform stacks individually; alarms count",
        "CloudWatch alarms, Azure Monitor alerts and Cloud Monitoring alert policies.",
        "",
        "| devices | topology | wall s | peak RSS MB | stacks | largest stack resources | largest template KB "
        "| total resources | alarms | one-device diff |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.devices:,} | {r.topology} | {r.wall_seconds:.1f} | {r.peak_rss_mb:,.0f} | {r.stacks} | "
            f"{r.largest_stack_resources} | {r.largest_template_kb:,.0f} | {r.total_resources:,} | {r.alarms} | "
            f"{r.one_device_diff} |"
        )
    for topology in sorted({r.topology for r in results}):
        rows = sorted((r for r in results if r.topology == topology), key=lambda r: r.devices)
        if slopes and len(rows) >= 2 and rows[-1].devices > rows[0].devices:
            slope = (rows[-1].wall_seconds - rows[0].wall_seconds) / (rows[-1].devices - rows[0].devices) * 100
            lines.append("")
            lines.append(
                f"{topology}: {slope:.2f} s per 100 additional devices "
                f"({rows[0].devices:,} → {rows[-1].devices:,} devices); {alarm_line(rows)}."
            )
    if load is not None:
        devices, seconds, size = load
        lines += ["", f"Load: {devices:,} devices ({size:.1f} MB of project files) loaded and validated in {seconds:.1f} s."]
    if bridge is not None:
        lines += ["", "## Bridge throughput (connector → ingestion, loopback HTTP)", "", bridge.markdown()]
    lines.append("")
    return "\n".join(lines)


def _save(rows: list[SynthResult], path: Path) -> None:
    path.write_text(json.dumps([r.__dict__ for r in rows], indent=1) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--topologies", nargs="+", default=sorted(TOPOLOGIES), choices=sorted(TOPOLOGIES))
    parser.add_argument("--records", type=int, default=20_000, help="records sent per bridge mode")
    parser.add_argument("--no-bridge", action="store_true")
    parser.add_argument("--no-load", action="store_true", help="skip the load of the largest fleet")
    parser.add_argument("--rows", type=Path, help="keep each synth's row here (JSON) as it is measured")
    parser.add_argument("--combine", type=Path, nargs="+", default=[],
                        help="rows kept by earlier runs (--rows) to report with this run's")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--no-slopes", action="store_true", help="the table without the per-100-devices lines")
    args = parser.parse_args()

    results = [SynthResult(**row) for path in args.combine for row in json.loads(path.read_text())]
    for topology in args.topologies:
        for devices in args.sizes:
            if any(r.topology == topology and r.devices == devices for r in results):
                continue  # measured by a run combined here
            with tempfile.TemporaryDirectory(prefix="dt-bench-") as workdir:
                result = measure_synth(devices, topology, Path(workdir))
            print(
                f"{devices:>6} devices {topology:<8} {result.wall_seconds:6.1f} s "
                f"{result.peak_rss_mb:7.0f} MB  largest stack {result.largest_stack_resources} resources  "
                f"{result.alarms} alarms  one-device diff {result.one_device_diff}",
                file=sys.stderr,
            )
            results.append(result)
            if args.rows is not None:
                _save(results, args.rows)
    load = None
    if not args.no_load:
        with tempfile.TemporaryDirectory(prefix="dt-bench-") as workdir:
            seconds, size = measure_load(max(args.sizes), Path(workdir))
        load = (max(args.sizes), seconds, size)
        print(f"load of {max(args.sizes):,} devices: {seconds:.1f} s ({size:.1f} MB)", file=sys.stderr)
    bridge = None
    if not args.no_bridge:
        with contextlib.redirect_stdout(io.StringIO()):  # the sender's metric line per request
            bridge = measure_bridge(args.records)
    if bridge is not None:
        print(bridge.markdown(), file=sys.stderr)
    order = {name: i for i, name in enumerate(sorted(TOPOLOGIES))}
    results.sort(key=lambda r: (order[r.topology], r.devices))
    args.output.write_text(render(results, bridge, load, slopes=not args.no_slopes), encoding="utf-8")
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
