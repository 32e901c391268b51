"""`make bench-dtdl`: what checking DTDL with the official parser costs (results in bench/dtdl.md).

- Node start-up: the parser over one empty Interface, against a bare `node -e 0`;
- a 40-Interface diamond ontology (two 8-level towers of 2, every Interface extending both of the
  level above; leaves extending both towers) loaded with a twin of a leaf: parser and our checks;
- the issue's denial of service, a 4-wide 9-level diamond: refused, and how fast;
- RealEstateCore 3.3 with the building scenario (tests/fixtures/realworld): the bundle check, the
  whole project load, and the synth of that project against the Azure example it is made from.

Wall times on this machine are noisy when other work shares its two cores: CPU seconds (user +
system, this process and its children) are given next to them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from twin_model.config import azure_hierarchy, dtdl_parser, load_project  # noqa: E402
from twin_model.config.context import LoadContext  # noqa: E402
from twin_model.config.errors import Problems  # noqa: E402
from tests.config.test_dtdl import diamond, forty_interface_diamond, interface  # noqa: E402
from tests.realworld import AZURE_EXAMPLE, realworld_bundle, write_realworld_project  # noqa: E402

RESULTS = REPO / "bench" / "dtdl.md"


def cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(action: Callable[[], Any]) -> tuple[float, float, Any]:
    wall, used = time.perf_counter(), cpu()
    result = action()
    return time.perf_counter() - wall, cpu() - used, result


def fresh_parse(models: list[dict]) -> dict:
    dtdl_parser._results.clear()
    return dtdl_parser.run(dtdl_parser.models_text(models))


def check_bundle(bundle: dict) -> list[str]:
    ctx = LoadContext(Path("."), Problems())
    azure_hierarchy.bundle(ctx, "bundle.json", json.loads(json.dumps(bundle)))
    return [str(p) for p in ctx.problems.problems]


def synth(project: Path, workdir: Path) -> tuple[float, float]:
    env = {**os.environ, "CDK_OUTDIR": str(workdir / "cdk.out"), "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
           "CDK_CONTEXT_JSON": json.dumps({"project": str(project), "tf_outdir": str(workdir / "cdktf.out")})}
    wall, used, completed = timed(lambda: subprocess.run([sys.executable, "app.py"], cwd=REPO, env=env,
                                                         capture_output=True, text=True, check=False))
    if completed.returncode != 0:
        raise SystemExit(f"synth of {project} failed:\n{completed.stderr[-3000:]}")
    return wall, used


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-synth", action="store_true", help="skip the two synths (about a minute each)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    rows: list[tuple[str, float, float, str]] = []

    def row(what: str, wall: float, used: float, note: str = "") -> None:
        rows.append((what, wall, used, note))
        print(f"{what:<58} {wall:7.2f} s wall {used:7.2f} s CPU  {note}", file=sys.stderr)

    wall, used, _ = timed(lambda: subprocess.run(["node", "-e", "0"], check=True))
    row("bare Node.js (`node -e 0`)", wall, used)
    wall, used, result = timed(lambda: fresh_parse([interface("dtmi:x:A;1")]))
    row("Node start-up with the parser, one empty Interface", wall, used, result.get("version", ""))

    models = forty_interface_diamond()
    leaf = {"$dtId": "leaf", "$metadata": {"$model": "dtmi:d:Leaf0;1"}}
    dtdl_parser._results.clear()
    wall, used, problems = timed(lambda: check_bundle({"models": models, "twins": [leaf]}))
    row("40-Interface diamond, bundle check (parser included)", wall, used, f"{len(problems)} problems")
    wall, used, problems = timed(lambda: check_bundle({"models": models, "twins": [leaf]}))
    row("40-Interface diamond, our checks (parser result reused)", wall, used, f"{len(problems)} problems")
    hostile = diamond(9, 4, 3)
    dtdl_parser._results.clear()
    wall, used, problems = timed(lambda: check_bundle({"models": hostile}))
    row(f"{len(hostile)}-Interface 4-wide diamond (4**9 paths), refused", wall, used, f"{len(problems)} problems")

    bundle = realworld_bundle()
    dtdl_parser._results.clear()
    wall, used, problems = timed(lambda: check_bundle(bundle))
    row(f"RealEstateCore 3.3 + building scenario ({len(bundle['models'])} models), bundle check", wall, used,
        f"{len(problems)} problems")
    with tempfile.TemporaryDirectory(prefix="dt-bench-dtdl-") as workdir:
        project = write_realworld_project(Path(workdir) / "project", bundle)
        dtdl_parser._results.clear()
        wall, used, _ = timed(lambda: load_project(project))
        row("RealEstateCore project, whole load_project", wall, used)
        dtdl_parser._results.clear()
        wall, used, _ = timed(lambda: load_project(AZURE_EXAMPLE))
        row("the Azure example (no DTDL bundle), whole load_project", wall, used)
        if not args.no_synth:
            wall, used = synth(AZURE_EXAMPLE, Path(workdir) / "example")
            row("synth of the Azure example (`python app.py`)", wall, used)
            wall, used = synth(project, Path(workdir) / "rec")
            row("synth of the RealEstateCore project (`python app.py`)", wall, used)

    load = os.getloadavg()[1]
    lines = ["# DTDL checks: cost", "", f"Machine: {os.cpu_count()} cores, shared; `make bench-dtdl` (bench/dtdl.py); "
             f"load average {load:.1f} at the end (other work on the machine: wall seconds include waiting for a core).",
             "CPU is user + system seconds of the Python process and its children (Node.js included).", "",
             "| what | wall s | CPU s | note |", "|---|---:|---:|---|"]
    lines += [f"| {what} | {wall:.2f} | {used:.2f} | {note} |" for what, wall, used, note in rows]
    args.output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
