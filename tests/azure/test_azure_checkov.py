"""checkov (framework terraform_json) over every Azure stack of the all-Azure example: no finding
outside the documented, justified skip list (tests/azure/checkov_skips.json).

checkov lives in its own virtualenv (its pins conflict with the CDK packages):
`python3 -m venv .venv-checkov && .venv-checkov/bin/pip install checkov==3.2.469`.
Skipped with that instruction when the virtualenv is missing.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO

CHECKOV = REPO / ".venv-checkov" / "bin" / "checkov"
SKIPS = json.loads((Path(__file__).parent / "checkov_skips.json").read_text())


@pytest.mark.skipif(not CHECKOV.exists(), reason="checkov not installed: see this module's docstring")
def test_checkov_finds_nothing_outside_the_justified_skips(azure_example, mixed_example):
    failures = []
    for synth in (azure_example, mixed_example):
        result = subprocess.run(
            [str(CHECKOV), "-d", str(synth.tf_outdir / "stacks"), "--framework", "terraform_json", "--quiet",
             "--compact", "--skip-download", "-o", "json", "--skip-check", ",".join(SKIPS)],
            capture_output=True, text=True, timeout=300,
        )
        reports = json.loads(result.stdout or "[]")
        for report in reports if isinstance(reports, list) else [reports]:
            failures += [f"{f['check_id']} {f['resource']}" for f in report.get("results", {}).get("failed_checks", [])]
    assert failures == []
