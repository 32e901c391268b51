"""Static scan of the Google stacks' Terraform JSON with checkov (its own virtualenv, tests/checkov.py).

Every check skipped in tests/gcp/checkov.yaml carries its reason there. One checkov run scans the
Google stacks of every variant (a run costs seconds of start-up); each variant is its own test.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.checkov import failed_checks, run_checkov
from tests.gcp.synth import VARIANTS

CONFIG = Path(__file__).with_name("checkov.yaml")


@pytest.fixture(scope="module")
def scan(gcp_synth, tmp_path_factory) -> list[dict]:
    folder = tmp_path_factory.mktemp("checkov")
    for variant in VARIANTS:
        synth = gcp_synth(variant)
        (folder / variant).mkdir()
        # The Google stacks only (the Azure ones are another scan's business).
        for name in synth.stack_names:
            if "google" in synth.stack_json(name).get("provider", {}):
                shutil.copyfile(synth.tf_outdir / "stacks" / name / "cdk.tf.json", folder / variant / f"{name}.tf.json")
        assert list((folder / variant).iterdir()), f"{variant} has no Google stack to scan"
    return run_checkov(folder, "--config-file", str(CONFIG))


def of_variant(checks: list[dict], variant: str) -> list[dict]:
    return [check for check in checks if check["file_path"].strip("/").split("/")[0] == variant]


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_checkov_finds_nothing_unjustified(scan, variant: str) -> None:
    failed = [f"{c['check_id']} {c['resource']} ({c['file_path']})" for c in of_variant(failed_checks(scan), variant)]
    assert failed == []
    # checkov.yaml is quiet (failed checks only): the summary counts what passed, at least 10 a variant.
    assert sum(report.get("summary", {}).get("passed", 0) for report in scan) >= 10 * len(VARIANTS)
