"""Google onboarding (the storage emulator): the device list as one object, a few requests for any
fleet size, removals listed by a dry run, the simulator's target with the one feedback
subscription, and no key for the publisher account."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import REPO
from twin_contract.gcp_names import DEVICE_REGISTRY_OBJECT
from twin_ops.cli import main as cli
from twin_ops.post_deploy.gcp_device_registry import register_devices
from twin_ops.post_deploy.terraform_state import StackState
from twin_ops.simulator.config import read_config

TWIN = "factory-floor-gcp"
BUCKET = f"{TWIN}-devices-0a1b2c"
OUTPUTS = {
    "telemetry_topic": f"projects/acme-iot/topics/{TWIN}-telemetry",
    "device_publisher_account": f"{TWIN}-devices@acme-iot.iam.gserviceaccount.com",
    "device_registry_bucket": BUCKET,
    "feedback_subscription": f"projects/acme-iot/subscriptions/{TWIN}-device-feedback",
}


def state(outputs: dict = OUTPUTS) -> StackState:
    show = {"values": {"outputs": {k: {"value": v} for k, v in outputs.items()}, "root_module": {"resources": []}}}
    return StackState.read("terraform", REPO, show=lambda tool, folder: json.dumps(show))


class Requests:
    """Every HTTP request the storage client makes."""

    def __init__(self, client) -> None:
        self.count, original = 0, client._http.request

        def request(*args, **kwargs):
            self.count += 1
            return original(*args, **kwargs)

        client._http.request = request


def listed(storage) -> list[str]:
    return json.loads(storage.bucket(BUCKET).blob(DEVICE_REGISTRY_OBJECT).download_as_bytes())


def test_the_list_is_one_object_written_in_three_requests_for_ten_thousand_devices(tmp_path, storage_emulator):
    storage_emulator.create_bucket(BUCKET)
    devices = [f"sensor-{n:05d}" for n in range(10_000)]
    requests = Requests(storage_emulator)
    result = register_devices(tmp_path, TWIN, devices, state(), storage_emulator)
    assert requests.count == 3  # read (absent on the first deploy; the library then checks the bucket), write
    assert listed(storage_emulator) == sorted(devices) and len(result.added) == 10_000
    requests.count = 0
    again = register_devices(tmp_path, TWIN, devices, state(), storage_emulator)
    assert requests.count == 1 and again.added == again.removed == ()  # unchanged: read only


def test_removals_are_listed_by_a_dry_run_and_gone_after_the_next_run(tmp_path, storage_emulator):
    storage_emulator.create_bucket(BUCKET)
    register_devices(tmp_path, TWIN, ["a", "b", "c"], state(), storage_emulator)
    dry = register_devices(tmp_path, TWIN, ["a", "d"], state(), storage_emulator, dry_run=True)
    assert (dry.added, dry.removed) == (("d",), ("b", "c")) and "2 would be removed (b, c)" in dry.summary()
    assert listed(storage_emulator) == ["a", "b", "c"]  # nothing written
    register_devices(tmp_path, TWIN, ["a", "d"], state(), storage_emulator)
    assert listed(storage_emulator) == ["a", "d"]


def test_the_simulator_gets_the_topic_and_the_one_feedback_subscription_and_no_key(tmp_path, storage_emulator):
    storage_emulator.create_bucket(BUCKET)
    register_devices(tmp_path, TWIN, ["press-01", "press-02"], state(), storage_emulator)
    config = read_config(tmp_path)
    assert config.pubsub.topic == OUTPUTS["telemetry_topic"]
    assert config.pubsub.feedback_subscription == OUTPUTS["feedback_subscription"]
    assert config.device_ids == ("press-01", "press-02")
    assert sorted(p.name for p in (tmp_path / "iot_devices_auth").iterdir()) == [".gitignore", "simulator.json"]
    without = {k: v for k, v in OUTPUTS.items() if k != "feedback_subscription"}  # no device feedback
    register_devices(tmp_path, TWIN, ["press-01"], state(without), storage_emulator)
    assert read_config(tmp_path).pubsub.feedback_subscription is None


def test_a_list_that_is_not_an_array_of_ids_is_refused(tmp_path, storage_emulator):
    from twin_ops.post_deploy import PostDeployError

    storage_emulator.create_bucket(BUCKET).blob(DEVICE_REGISTRY_OBJECT).upload_from_string('{"a": 1}')
    with pytest.raises(PostDeployError, match="not a JSON array of device ids"):
        register_devices(tmp_path, TWIN, ["a"], state(), storage_emulator)


def test_the_command_writes_the_list_and_says_how_to_make_the_key(tmp_path, storage_emulator, capsys, monkeypatch):
    project = shutil.copytree(REPO / "examples" / TWIN, tmp_path / "project")
    (tmp_path / "cdktf.out" / "stacks" / f"{TWIN}-l1").mkdir(parents=True)
    show = {"values": {"outputs": {k: {"value": v} for k, v in OUTPUTS.items()}, "root_module": {"resources": []}}}
    (tmp_path / "show.json").write_text(json.dumps(show))
    terraform = tmp_path / "terraform"
    terraform.write_text(f'#!/bin/sh\n[ "$1 $2" = "show -json" ] || exit 3\ncat "{tmp_path / "show.json"}"\n')
    terraform.chmod(0o755)
    storage_emulator.create_bucket(BUCKET)
    from google.cloud import storage

    monkeypatch.setattr(storage, "Client", lambda: storage_emulator)
    code = cli(["post-deploy", "gcp-device-registry", "--project", str(project),
                "--tf-out", str(tmp_path / "cdktf.out"), "--terraform", str(terraform)])
    assert code == 0, capsys.readouterr().err
    assert listed(storage_emulator) == ["air-quality-01", "conveyor-01", "press-01", "press-02"]
    assert "gcloud iam service-accounts keys create" in capsys.readouterr().out
