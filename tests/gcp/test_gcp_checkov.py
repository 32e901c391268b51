"""Static scan of the Google stacks' Terraform JSON with checkov (its own virtualenv).

Every check skipped in tests/gcp/checkov.yaml carries its reason there. Skipped when the checkov
virtualenv (`python3 -m venv .venv-checkov && .venv-checkov/bin/pip install checkov`) is absent.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.gcp.synth import VARIANTS

REPO = Path(__file__).resolve().parents[2]
CHECKOV = REPO / ".venv-checkov" / "bin" / "checkov"
CONFIG = Path(__file__).with_name("checkov.yaml")


@pytest.mark.skipif(not CHECKOV.exists(), reason="checkov's virtualenv .venv-checkov is not installed")
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_checkov_finds_nothing_unjustified(gcp_synth, tmp_path, variant: str) -> None:
    synth = gcp_synth(variant)
    # One checkov run over the Google stacks only (the Azure ones are another scan's business).
    for name in synth.stack_names:
        if "google" in synth.stack_json(name).get("provider", {}):
            shutil.copyfile(synth.tf_outdir / "stacks" / name / "cdk.tf.json", tmp_path / f"{name}.tf.json")
    result = subprocess.run(
        [str(CHECKOV), "--config-file", str(CONFIG), "-d", str(tmp_path), "-o", "json"],
        capture_output=True, text=True, timeout=120,
    )
    reports = json.loads(result.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    failed = [
        f"{check['check_id']} {check['resource']} ({check['file_path']})"
        for report in reports
        for check in report.get("results", {}).get("failed_checks", [])
    ]
    assert failed == []
    assert sum(report.get("summary", {}).get("passed", 0) for report in reports) >= 10
