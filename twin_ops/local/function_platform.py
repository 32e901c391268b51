"""What each cloud's function platform adds to a function's own settings, and how it starts one.

The variables are the platform's (Lambda sets AWS_REGION and LAMBDA_TASK_ROOT, the Functions host
its script root, Cloud Run K_SERVICE and the target; each cloud's in twin_ops/local/clouds), never
the twin's: a setting the code needs and the template does not give must fail at start, as it
would in the cloud.
"""

from __future__ import annotations

import json
import os
import select
import shutil
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
        "environment": dict(environment),
        "signature_type": local_cloud(function.cloud).signature_type(function),
    }


_BOOTERS: dict[Path | None, tuple[subprocess.Popen, Path]] = {}  # boot interpreters, by site, until close_booters()


def boot(jobs: Sequence[Mapping[str, Any]], timeout: float = 300.0, site: Path | None = None) -> list[dict[str, Any]]:
    """Start every job's function in one isolated interpreter (`python -I`, nothing of this
    repository on its path); one result per job: {"label", "ok", "functions", "error"}.
    With `site`, the interpreter also skips this virtualenv (`-S`): the standard library and the
    packages linked in `site` are all the functions can import (what their cloud provides).
    The interpreter stays for the next boot with the same site, as between the jobs of one boot
    (each job forgets the previous bundles' modules, what the site provides stays imported): a
    start and the platform's imports cost more than most bundles; `close_booters()` ends them."""
    if site not in _BOOTERS or _BOOTERS[site][0].poll() is not None:
        scratch = Path(tempfile.mkdtemp(prefix="dt-boot-"))
        with (scratch / "stderr.log").open("wb") as log:
            _BOOTERS[site] = subprocess.Popen(
                [sys.executable, *(["-I"] if site is None else ["-I", "-S"]), str(FUNCTION_HOST), "boot", *([str(site)] if site else [])],
                env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}, cwd=scratch,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True,
            ), scratch
    process, scratch = _BOOTERS[site]
    assert process.stdin is not None and process.stdout is not None
    jobs_file, results_file = scratch / "jobs.json", scratch / "results.json"
    jobs_file.write_text(json.dumps(list(jobs)), "utf-8")
    process.stdin.write(f"{jobs_file} {results_file}\n")
    process.stdin.flush()
    if not select.select([process.stdout], [], [], timeout)[0] or process.stdout.readline().strip() != str(results_file):
        process.kill()
        raise RuntimeError(f"the function host failed (exit {process.wait()}): "
                           f"{(scratch / 'stderr.log').read_text(errors='replace')[-2000:]}")
    return json.loads(results_file.read_text("utf-8"))


def close_booters() -> None:
    """End the boot interpreters (closing its input ends one) and remove their scratch folders."""
    while _BOOTERS:
        process, scratch = _BOOTERS.popitem()[1]
        process.stdin.close()  # type: ignore[union-attr]
        process.wait(timeout=30)
        shutil.rmtree(scratch, ignore_errors=True)
