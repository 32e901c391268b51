"""`python -m twin_ops post-deploy`: placement checks, values read from Terraform state, the GCP target."""

from __future__ import annotations

import importlib
import inspect
import json
import shutil
import stat
from pathlib import Path

import pytest

from twin_model.deploy_plan import POST_DEPLOY_STEPS
from twin_ops.cli import main as cli
from twin_ops.post_deploy.azure_digital_twins import twin_patch
from twin_ops.post_deploy.terraform_state import StackState, TerraformStateError
from twin_ops.simulator.config import read_config
from tests.conftest import EXAMPLE, REPO

GCP_TWIN = "factory-floor-gcp"
SHOW_JSON = {
    "values": {
        "outputs": {
            "telemetry_topic": {"value": f"projects/acme-iot/topics/{GCP_TWIN}-telemetry", "sensitive": False},
            "device_publisher_account": {"value": f"{GCP_TWIN}-devices@acme-iot.iam.gserviceaccount.com"},
        },
        "root_module": {
            "resources": [{"type": "google_pubsub_topic", "values": {"name": f"{GCP_TWIN}-telemetry"}}],
            "child_modules": [{"resources": [
                {"type": "azurerm_digital_twins_instance", "values": {"host_name": "adt.api.weu.digitaltwins.azure.net"}},
            ]}],
        },
    }
}


def fake_terraform(folder: Path) -> Path:
    """An executable that answers `show -json` like a deployed stack's terraform would."""
    (folder / "show.json").write_text(json.dumps(SHOW_JSON))
    script = folder / "terraform"
    script.write_text(f'#!/bin/sh\n[ "$1 $2" = "show -json" ] || exit 3\ncat "{folder / "show.json"}"\n')
    script.chmod(0o755)
    return script


def test_gcp_step_writes_topic_and_feedback_subscriptions_but_no_key(tmp_path, capsys):
    project = shutil.copytree(REPO / "examples" / GCP_TWIN, tmp_path / "project")
    (tmp_path / "cdktf.out" / "stacks" / f"{GCP_TWIN}-l1").mkdir(parents=True)
    terraform = fake_terraform(tmp_path)
    code = cli(["post-deploy", "gcp-telemetry-topic", "--project", str(project),
                "--tf-out", str(tmp_path / "cdktf.out"), "--terraform", str(terraform)])
    assert code == 0, capsys.readouterr().err
    config = read_config(project)
    assert config.pubsub.topic == f"projects/acme-iot/topics/{GCP_TWIN}-telemetry"
    assert next(d for d in config.devices if d.device_id == "press-01").feedback_subscription == (
        f"projects/acme-iot/subscriptions/{GCP_TWIN}-device-feedback-press-01")
    auth = project / "iot_devices_auth"
    assert sorted(p.name for p in auth.iterdir()) == [".gitignore", "simulator.json"]  # no service account key
    assert "gcloud iam service-accounts keys create" in capsys.readouterr().out


def test_a_step_for_another_cloud_is_refused_with_one_line(capsys):
    assert cli(["post-deploy", "azure-device-identities", "--project", str(EXAMPLE)]) == 1
    assert capsys.readouterr().err.strip() == (
        "error: post-deploy azure-device-identities: azure-device-identities is for l1 on azure; this twin's l1 is on aws")


def test_an_undeployed_stack_is_named(tmp_path, capsys):
    project = REPO / "examples" / "factory-floor-azure"
    assert cli(["post-deploy", "azure-digital-twins", "--project", str(project), "--tf-out", str(tmp_path)]) == 1
    assert f"{tmp_path}/stacks/factory-floor-az-l4 is missing: synthesize and deploy first" in capsys.readouterr().err


def test_state_values_are_found_in_any_module_and_absence_is_an_error(tmp_path):
    state = StackState.read("terraform", tmp_path, show=lambda tool, folder: json.dumps(SHOW_JSON))
    assert state.attribute("azurerm_digital_twins_instance", "host_name") == "adt.api.weu.digitaltwins.azure.net"
    with pytest.raises(TerraformStateError, match="expected one azurerm_iothub in the state, found 0"):
        state.attribute("azurerm_iothub", "hostname")
    with pytest.raises(TerraformStateError, match="no output 'hot_database'"):
        state.output("hot_database")


def test_failing_terraform_show_is_reported_with_its_stderr(tmp_path):
    script = tmp_path / "terraform"
    script.write_text("#!/bin/sh\necho 'Backend initialization required' >&2\nexit 1\n")
    script.chmod(stat.S_IRWXU)
    with pytest.raises(TerraformStateError, match="show -json` failed .*Backend initialization required"):
        StackState.read(str(script), tmp_path)


def test_twin_patch_moves_a_twin_to_its_new_model():
    desired = {"$dtId": "d", "$metadata": {"$model": "dtmi:x:device:d;2"}, "iotDeviceId": "d"}
    current = {"$dtId": "d", "$metadata": {"$model": "dtmi:x:device:d;1"}, "iotDeviceId": "d"}
    assert twin_patch(desired, current, {"dtmi:x:device:d;2": {"iotDeviceId"}}) == [
        {"op": "replace", "path": "/$metadata/$model", "value": "dtmi:x:device:d;2"}]


def test_every_declared_step_runs_from_the_module_of_its_name():
    """One declaration per step (CLOUDS); its code is found by name, so a step without a module fails here."""
    for step in POST_DEPLOY_STEPS:
        module = importlib.import_module(f"twin_ops.post_deploy.{step.name.replace('-', '_')}")
        assert list(inspect.signature(module.run).parameters) == ["request", "config", "topology"], step.name
        assert list(inspect.signature(module.run_locally).parameters) == ["local", "stack"], step.name  # `make local`'s
