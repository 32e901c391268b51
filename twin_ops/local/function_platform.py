"""What each cloud's function platform adds to a function's own settings, and how it starts one.

The variables are the platform's (Lambda sets AWS_REGION and LAMBDA_TASK_ROOT, the Functions host
its script root, Cloud Run K_SERVICE and the target; each cloud's in twin_ops/local/clouds), never
the twin's: a setting the code needs and the template does not give must fail at start, as it
would in the cloud.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from twin_ops.local.clouds import local_cloud
from twin_ops.local.output import SynthFunction

FUNCTION_HOST = Path(__file__).resolve().parent / "function_host.py"


def boot_job(function: SynthFunction, environment: Mapping[str, str]) -> dict[str, Any]:
    """A job for function_host.py: start `function` with exactly `environment`."""
    return {
        "label": function.label,
        "cloud": function.cloud.value,
        "code": str(function.code),
        "entry": function.entry,
        "layers": [str(layer) for layer in function.layers],
        "environment": dict(environment),
        "signature_type": local_cloud(function.cloud).signature_type(function),
    }


def boot(jobs: Sequence[Mapping[str, Any]], timeout: float = 300.0, site: Path | None = None) -> list[dict[str, Any]]:
    """Start every job's function in one isolated interpreter (`python -I`, nothing of this
    repository on its path); one result per job: {"label", "ok", "functions", "error"}.
    With `site`, the interpreter also skips this virtualenv (`-S`): the standard library and the
    packages linked in `site` are all the functions can import (what their cloud provides)."""
    with tempfile.TemporaryDirectory(prefix="dt-boot-") as scratch:
        jobs_file, results_file = Path(scratch) / "jobs.json", Path(scratch) / "results.json"
        jobs_file.write_text(json.dumps(list(jobs)), "utf-8")
        isolation = ["-I"] if site is None else ["-I", "-S"]
        completed = subprocess.run(
            [sys.executable, *isolation, str(FUNCTION_HOST), "boot", str(jobs_file), str(results_file),
             *([str(site)] if site is not None else [])],
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"},
            cwd=scratch,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if completed.returncode != 0 or not results_file.is_file():
            raise RuntimeError(f"the function host failed (exit {completed.returncode}): {completed.stderr[-2000:]}")
        return json.loads(results_file.read_text("utf-8"))
