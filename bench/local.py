"""`make bench-local`: how long `make local` takes for a fleet, after the synth.

The bundled example with 10 devices (6 cloned from its 4) sending 100 messages each, as
`make local DEVICES=10 MESSAGES=100` runs it: the synth is timed on its own (`python app.py` in a
fresh process, as the runner does), then the run over that output — services, hosts, publishing,
every hop counted, time compressed through cold and archive — is timed per stage. The budget
(issue #12) is one minute after the synth. Results go to bench/local.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from twin_ops.local.fleet import scaled_project  # noqa: E402
from twin_ops.local.runner import LocalRunRequest, LocalRunResult, render, run_local  # noqa: E402

RESULTS = REPO / "bench" / "local.md"
BUDGET_SECONDS = 60.0


@dataclass(frozen=True)
class LocalBench:
    project: str
    devices: int
    messages: int
    synth_seconds: float
    run_seconds: float  # after the synth: from starting services to the table
    result: LocalRunResult
    load: float = 0.0  # 1-minute load average when the run started (other work shares the cores)

    def markdown(self) -> str:
        stages = ", ".join(f"{name} {seconds:g} s" for name, seconds in self.result.timings.items())
        verdict = "within" if self.run_seconds <= BUDGET_SECONDS else "OVER"
        records = self.devices * self.messages
        return "\n".join([
            "# `make local` benchmark",
            "",
            f"Machine: {os.cpu_count()} cores. `{self.project}` with {self.devices} devices × {self.messages} messages "
            f"({records:,} records), every record counted through every hop; load average {self.load:.1f} "
            "when the run started.",
            "",
            "| synth s | run after synth s | records/s | every record accounted for |",
            "|---:|---:|---:|---|",
            f"| {self.synth_seconds:.1f} | {self.run_seconds:.1f} | {records / self.run_seconds:.0f} | "
            f"{'yes' if self.result.ok else 'NO'} |",
            "",
            f"Stages: {stages}.",
            "",
            f"Budget: one minute after the synth — {verdict} ({self.run_seconds:.1f} s).",
            "",
            "```text",
            render(self.result, f"{self.project}, {self.devices} devices × {self.messages} messages"),
            "```",
            "",
        ])


def measure(project: Path, devices: int, messages: int, workdir: Path) -> LocalBench:
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
    result = run_local(LocalRunRequest(
        scaled, messages=messages, synthesized=(cdk_out, tf_out), workdir=workdir / "run",
        echo=lambda line: print(line, file=sys.stderr),
    ))
    return LocalBench(str(project.relative_to(REPO)) if project.is_relative_to(REPO) else str(project), devices, messages,
                      synth_seconds, time.perf_counter() - started, result, load)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project", type=Path, default=REPO / "examples" / "factory-floor")
    parser.add_argument("--devices", type=int, default=10)
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dt-bench-local-") as workdir:
        bench = measure(args.project.resolve(), args.devices, args.messages, Path(workdir))
    args.output.write_text(bench.markdown(), encoding="utf-8")
    print(bench.markdown(), file=sys.stderr)
    print(f"wrote {args.output}", file=sys.stderr)
    return 0 if bench.result.ok and bench.run_seconds <= BUDGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
