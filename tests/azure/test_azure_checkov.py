"""checkov (framework terraform_json) over every Azure stack of the all-Azure and the mixed
example, in one run: no finding outside the documented, justified skip list
(tests/azure/checkov_skips.json). checkov lives in its own virtualenv (tests/checkov.py).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.checkov import failed_checks, passed_checks, run_checkov

SKIPS = json.loads((Path(__file__).parent / "checkov_skips.json").read_text())


def test_checkov_finds_nothing_outside_the_justified_skips(azure_example, mixed_example, tmp_path):
    for name, synth in (("azure", azure_example), ("mixed", mixed_example)):
        shutil.copytree(synth.tf_outdir / "stacks", tmp_path / name)
    reports = run_checkov(tmp_path, "--framework", "terraform_json", "--compact", "--skip-download",
                          "--skip-check", ",".join(SKIPS))
    assert [f"{f['check_id']} {f['resource']} ({f['file_path']})" for f in failed_checks(reports)] == []
    # Both synths were scanned, each with checks that pass (a scan of nothing passes nothing).
    scanned = {check["file_path"].strip("/").split("/")[0] for check in passed_checks(reports)}
    assert scanned == {"azure", "mixed"}
