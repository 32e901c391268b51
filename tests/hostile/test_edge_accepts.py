"""Issue #11 (3, 5): projects at the edges of the rules synthesize on every cloud, through main().

Valid-but-extreme names are where jsii used to fail (`9lives`, `Twin-Name_01`, ids at their length
limits): each project here must synthesize completely, print its warnings with the summary, and
produce stack names every cloud accepts. Each synth takes a while: marked slow.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

from cdk_app.main import main
from tests.conftest import EXAMPLE, REPO
from tests.hostile.corpus import read, write

STACK_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]*$")  # CloudFormation; Terraform stacks use the same names
ACTIONS = "lambda_functions/event_actions"


def run_main(project: Path, workdir: Path, monkeypatch, capsys) -> tuple[int, str]:
    monkeypatch.setenv("CDK_OUTDIR", str(workdir / "out"))
    monkeypatch.setenv("CDK_CONTEXT_JSON", json.dumps(
        {"project": str(project), "tf_outdir": str(workdir / "tf"), "gcp_project": "edge-project-1"}))
    capsys.readouterr()
    code = main()
    return code, capsys.readouterr().err


def stack_names(workdir: Path) -> set[str]:
    manifest = json.loads((workdir / "out" / "manifest.json").read_text())
    cloudformation = {n for n, a in manifest["artifacts"].items() if a["type"] == "aws:cloudformation:stack"}
    terraform = {p.name for p in (workdir / "tf" / "stacks").iterdir()} if (workdir / "tf" / "stacks").is_dir() else set()
    return cloudformation | terraform


@pytest.mark.slow
def test_all_aws_with_a_digit_first_name_and_ids_at_their_limits(tmp_path, monkeypatch, capsys):
    project = Path(shutil.copytree(EXAMPLE, tmp_path / "project"))
    config = read(project, "config.json")
    config["digital_twin_name"] = "9lives"
    write(project, "config.json", config)
    twin = "t9lives-" + hashlib.sha256(b"9lives").hexdigest()[:4]  # the README's mapping rule
    # the device's certificate carries its id as common name: at most 64 characters (RFC 5280,
    # ub-common-name); `<twin>-<device>`, the IoT thing name, stays within its 128
    long_device = "d" * 64
    long_action = "a" * (63 - len(twin) - len("-action-"))  # `<twin>-action-<name>`: 63
    devices = read(project, "config_iot_devices.json")
    devices.append({"id": long_device, "properties": [{"name": "p" * 256, "dataType": "DOUBLE"}],
                    "constProperties": [{"name": "label", "dataType": "STRING", "value": "v" * 256}]})
    write(project, "config_iot_devices.json", devices)
    hierarchy = read(project, "config_hierarchy.json")
    hierarchy.append({"type": "entity", "id": "e" * 128, "children": [
        {"type": "component", "name": "c" * 256, "iotDeviceId": long_device}]})
    write(project, "config_hierarchy.json", hierarchy)
    (project / ACTIONS / "log-incident").rename(project / ACTIONS / long_action)
    rules = read(project, "config_events.json")
    rules[1]["action"]["functionNameB"] = long_action
    write(project, "config_events.json", rules)

    code, stderr = run_main(project, tmp_path, monkeypatch, capsys)
    assert code == 0, stderr[-3000:]
    assert "Traceback" not in stderr
    assert stderr.startswith("1 warning:\n  - config.json $.digital_twin_name: '9lives' is used as ")
    names = stack_names(tmp_path)
    assert names == {f"{twin}-{suffix}" for suffix in ("l1", "l2", "l3-hot", "l3-cold", "l3-archive", "l4", "l5")}
    assert all(STACK_NAME.fullmatch(name) for name in names)


@pytest.mark.slow
def test_three_clouds_with_a_predecessor_name_of_30_characters(tmp_path, monkeypatch, capsys):
    project = Path(shutil.copytree(REPO / "examples" / "factory-floor-gcp", tmp_path / "project"))
    config = read(project, "config.json")
    config["digital_twin_name"] = "Twin-Name_01_of_the_old_plant"  # mapped: 30 characters
    del config["mode"]  # defaults to PRODUCTION, with a warning
    write(project, "config.json", config)
    write(project, "config_providers.json", {
        "layer_1_provider": "google", "layer_2_provider": "google", "layer_3_hot_provider": "aws",
        "layer_3_cold_provider": "azure", "layer_3_archive_provider": "aws", "layer_4_provider": "azure",
        "layer_5_provider": "aws",
    })
    code, stderr = run_main(project, tmp_path, monkeypatch, capsys)
    assert code == 0, stderr[-3000:]
    assert "Traceback" not in stderr
    assert stderr.startswith("2 warnings:\n")
    assert "config.json $.mode: missing: PRODUCTION is used" in stderr
    names = stack_names(tmp_path)
    assert len(names) == 7 and all(STACK_NAME.fullmatch(name) for name in names)
    twin = "Twin-Name-01-of-the-old-p-" + hashlib.sha256(b"Twin-Name_01_of_the_old_plant").hexdigest()[:4]
    assert len(twin) == 30 and all(name.startswith(f"{twin}-l") for name in names)
