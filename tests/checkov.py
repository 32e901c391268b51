"""checkov, from its own virtualenv (its pins conflict with the CDK packages).

`make test` (or `make install-checkov`) installs it into `.venv-checkov`; a plain `pytest`
without it fails these tests with that instruction instead of skipping them, so a scan is never
silently left out.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CHECKOV = REPO / ".venv-checkov" / "bin" / "checkov"


def run_checkov(folder: Path, *options: str) -> list[dict]:
    """One checkov run over every file below `folder`; its reports (one per framework)."""
    if not CHECKOV.exists():
        pytest.fail(f"checkov is not installed ({CHECKOV}): run `make test` (it installs checkov's own "
                    "virtualenv) or `make install-checkov`")
    result = subprocess.run(
        [str(CHECKOV), "-d", str(folder), "-o", "json", *options], capture_output=True, text=True, timeout=600,
    )
    assert result.stdout.strip(), f"checkov printed no report (exit {result.returncode}): {result.stderr[-2000:]}"
    reports = json.loads(result.stdout)
    return reports if isinstance(reports, list) else [reports]


def failed_checks(reports: list[dict]) -> list[dict]:
    return [check for report in reports for check in report.get("results", {}).get("failed_checks", [])]


def passed_checks(reports: list[dict]) -> list[dict]:
    return [check for report in reports for check in report.get("results", {}).get("passed_checks", [])]
