"""The simulator against the local runs' MQTT broker over TLS: AWS-style client certificates, IoT Hub-style SAS."""

from __future__ import annotations

import base64
import json
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from twin_ops.cli import main as cli
from twin_model.config.model import Provider
from twin_contract.devices import client_id
from twin_ops.post_deploy.auth_files import prepare_auth_dir, write_file, write_simulator_config
from twin_ops.simulator.config import DeviceCredentials, MqttBroker, SimulatorConfig
from twin_ops.simulator import mqtt_link
from twin_ops.simulator.mqtt_link import MqttLinkError
from twin_ops.simulator.run import SimulationRequest, simulate
from tests.conftest import EXAMPLE
from tests.simulator.broker import observe
from tests.simulator.tls_material import TestAuthority

TWIN = "factory-floor"
DEVICE = "press-01"
ISO_MS_Z = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def simulator_project(tmp_path: Path, config: SimulatorConfig, files: dict[str, Path] | None = None) -> Path:
    """A project whose iot_devices_auth/ holds `files` (name inside the folder → source), as the
    post-deploy steps write them: simulator.json names files inside that folder only."""
    project = tmp_path / "project"
    shutil.copytree(EXAMPLE / "iot_device_simulator", project / "iot_device_simulator")
    folder = prepare_auth_dir(project)
    for name, source in (files or {}).items():
        write_file(folder / name, source.read_text())
    write_simulator_config(project, config)
    return project


def aws_project(tmp_path: Path, broker, authority: TestAuthority) -> Path:
    issued = authority.issue(client_id(TWIN, DEVICE))  # the broker holds the CN to the client id (IoT policy)
    files = {f"{DEVICE}/certificate.pem": issued.certificate, f"{DEVICE}/private_key.pem": issued.private_key,
             "broker-ca.pem": broker.authority.certificate}
    config = SimulatorConfig(
        Provider.AWS, TWIN, (DeviceCredentials(DEVICE, certificate=f"{DEVICE}/certificate.pem", private_key=f"{DEVICE}/private_key.pem"),),
        mqtt=MqttBroker("127.0.0.1", broker.device_port, ca_file="broker-ca.pem"),
    )
    return simulator_project(tmp_path, config, files)


def test_aws_device_publishes_with_its_certificate_and_shows_feedback(tmp_path, broker, capsys):
    feedback = {"message": "pressure above 180: slow down"}
    observer = observe(
        broker, broker.device_port, f"dt/{TWIN}/+/telemetry",
        reply=lambda topic, payload: (topic.replace("/telemetry", "/feedback"), json.dumps(feedback)),
        identity=broker.authority.issue("observer"),
    )
    try:
        project = aws_project(tmp_path, broker, broker.authority)
        code = cli(["simulate", "--project", str(project), "--device", DEVICE, "--count", "2", "--feedback-wait", "2"])
    finally:
        observer.close()
    assert code == 0
    assert [topic for topic, _ in observer.received] == [f"dt/{TWIN}/{DEVICE}/telemetry"] * 2
    message = json.loads(observer.received[0][1])
    assert message["iotDeviceId"] == DEVICE and message["pressure"] == 181.0
    assert ISO_MS_Z.fullmatch(message["time"])  # the empty time of payloads.json, filled at send time
    out = capsys.readouterr()
    assert f"feedback {DEVICE}: {json.dumps(feedback)}" in out.out
    assert "2 messages sent" in out.err


def test_a_certificate_from_another_authority_is_refused(tmp_path, broker, monkeypatch):
    """Refused on the first connection and on each of the JITP reconnections (AWS IoT Core provisions
    a device on its first connection and drops it): the waits between are recorded, not slept."""
    waits: list[float] = []
    monkeypatch.setattr(mqtt_link, "time", SimpleNamespace(sleep=waits.append))
    stranger = TestAuthority(tmp_path, name="other-ca")
    project = aws_project(tmp_path, broker, stranger)
    with pytest.raises(MqttLinkError, match="press-01: 127.0.0.1 refused the connection"):
        simulate(SimulationRequest(project, device=DEVICE, feedback_wait=0), echo=lambda line: None)
    assert waits == [2.0, 5.0, 10.0]  # IoT Core needs a moment before the next attempt (sessions.py)


def test_azure_device_sends_json_with_sas_and_hears_desired_feedback(tmp_path, broker):
    config = SimulatorConfig(
        Provider.AZURE, TWIN, (DeviceCredentials(DEVICE, shared_access_key=f"{DEVICE}/shared_access_key"),),
        mqtt=MqttBroker("127.0.0.1", broker.password_port, ca_file="broker-ca.pem"),
    )
    project = simulator_project(tmp_path, config, {"broker-ca.pem": broker.authority.certificate})
    write_file(project / "iot_devices_auth" / DEVICE / "shared_access_key", base64.b64encode(b"k" * 32).decode())
    patch = {"feedback": {"message": "check press", "rule": "pressure > 180"}, "$version": 2}
    observer = observe(
        broker, broker.password_port, "devices/+/messages/events/#",
        reply=lambda topic, payload: ("$iothub/twin/PATCH/properties/desired/?$version=2", json.dumps(patch)),
        identity=broker.authority.issue("observer"),
    )
    lines: list[str] = []
    try:
        sent = simulate(SimulationRequest(project, device=DEVICE, feedback_wait=2), echo=lines.append)
    finally:
        observer.close()
    example_payloads = json.loads((EXAMPLE / "iot_device_simulator" / "payloads.json").read_text())
    assert sent == sum(payload["iotDeviceId"] == DEVICE for payload in example_payloads)  # each of its payloads once
    assert observer.received[0][0] == f"devices/{DEVICE}/messages/events/$.ct=application%2Fjson&$.ce=utf-8"
    assert json.loads(observer.received[0][1])["iotDeviceId"] == DEVICE
    assert f"feedback {DEVICE}: {json.dumps(patch['feedback'])}" in lines

