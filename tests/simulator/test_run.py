"""The simulate command's orchestration, with the cloud link replaced at its boundary; the Pub/Sub link."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from twin_ops.cli import main as cli
from twin_model.config.model import Provider
from twin_ops.post_deploy.auth_files import prepare_auth_dir, write_simulator_config
from twin_ops.simulator.config import DeviceCredentials, MqttBroker, PubSubTopic, SimulatorConfig
from twin_ops.simulator.errors import SimulatorError
from twin_ops.simulator.mqtt_link import MqttLinkError
from twin_ops.simulator.pubsub_link import PubSubLink, PubSubLinkError
from twin_ops.simulator.run import SimulationRequest, simulate
from tests.conftest import EXAMPLE

TOPIC = "projects/p1/topics/factory-floor-telemetry"


def project_with(tmp_path: Path, device_ids: tuple[str, ...]) -> Path:
    project = tmp_path / "project"
    shutil.copytree(EXAMPLE / "iot_device_simulator", project / "iot_device_simulator")
    prepare_auth_dir(project)
    devices = tuple(DeviceCredentials(d, feedback_subscription=f"projects/p1/subscriptions/fb-{d}") for d in device_ids)
    write_simulator_config(project, SimulatorConfig(Provider.GOOGLE, "factory-floor", devices, pubsub=PubSubTopic(TOPIC)))
    return project


@dataclass
class RecordingLink:
    device_id: str
    deliver: object
    sent: list[dict] = field(default_factory=list)
    closed: bool = False

    def send(self, payload: bytes) -> None:
        self.sent.append(json.loads(payload))
        if len(self.sent) == 1:
            self.deliver(self.device_id, '"ack"')

    def close(self) -> None:
        self.closed = True


def test_every_deployed_device_sends_its_payloads_and_links_close(tmp_path):
    project = project_with(tmp_path, ("press-01", "conveyor-01", "no-payloads"))
    links: dict[str, RecordingLink] = {}

    def opener(config, device, folder, deliver):
        links[device.device_id] = RecordingLink(device.device_id, deliver)
        return links[device.device_id]

    lines: list[str] = []
    sent = simulate(SimulationRequest(project, count=3, feedback_wait=0.2), echo=lines.append, open_link=opener)
    assert sent == 6 and sorted(links) == ["conveyor-01", "press-01"]
    assert [m["iotDeviceId"] for m in links["press-01"].sent] == ["press-01"] * 3
    assert all(link.closed for link in links.values())
    assert "feedback press-01: \"ack\"" in lines
    # Payload devices that were not deployed are named, not silently dropped.
    assert "warning: payloads of 'air-quality-01' skipped: not a deployed device" in lines


def never_opened(*args):
    raise AssertionError("no link may be opened for a request that cannot be served")


def test_unknown_device_and_missing_config_are_one_line_errors(tmp_path, capsys):
    project = project_with(tmp_path, ("press-01",))
    with pytest.raises(SimulatorError, match="'press-09' is not deployed"):
        simulate(SimulationRequest(project, device="press-09"), open_link=never_opened)
    assert cli(["simulate", "--project", str(tmp_path)]) == 1
    assert "iot_devices_auth/simulator.json is missing" in capsys.readouterr().err


def test_missing_device_credentials_are_named_before_connecting(tmp_path):
    project = project_with(tmp_path, ("press-01",))
    devices = (DeviceCredentials("press-01", certificate="press-01/none.crt", private_key="press-01/none.key"),)
    write_simulator_config(project, SimulatorConfig(Provider.AWS, "factory-floor", devices, mqtt=MqttBroker("127.0.0.1", 1)))
    with pytest.raises(MqttLinkError, match="press-01: cannot load its TLS credentials"):
        simulate(SimulationRequest(project, feedback_wait=0), echo=lambda line: None)


@dataclass
class FakeFuture:
    error: Exception | None = None

    def result(self, timeout=None):
        if self.error:
            raise self.error


@dataclass
class FakePublisher:
    error: Exception | None = None
    published: list[tuple[str, bytes, dict]] = field(default_factory=list)

    def publish(self, topic, data, **attributes):
        self.published.append((topic, data, attributes))
        return FakeFuture(self.error)


@dataclass
class FakeMessage:
    data: bytes
    acked: bool = False

    def ack(self) -> None:
        self.acked = True


class FakeSubscriber:
    def __init__(self) -> None:
        self.callbacks: dict[str, object] = {}
        self.cancelled = False

    def subscribe(self, subscription, callback):
        self.callbacks[subscription] = callback
        return self

    def cancel(self) -> None:
        self.cancelled = True


def test_pubsub_link_publishes_with_the_device_attribute_and_acks_feedback():
    publisher, subscriber, heard = FakePublisher(), FakeSubscriber(), []
    link = PubSubLink(TOPIC, "press-01", "projects/p1/subscriptions/fb-press-01", lambda d, t: heard.append((d, t)),
                      publisher=publisher, subscriber=subscriber)
    link.send(b'{"iotDeviceId": "press-01"}')
    assert publisher.published == [(TOPIC, b'{"iotDeviceId": "press-01"}', {"device_id": "press-01"})]
    message = FakeMessage(json.dumps({"message": {"text": "slow down"}}).encode())
    subscriber.callbacks["projects/p1/subscriptions/fb-press-01"](message)
    assert heard == [("press-01", '{"text": "slow down"}')] and message.acked
    link.close()
    assert subscriber.cancelled


def test_pubsub_refusal_is_a_simulator_error():
    link = PubSubLink(TOPIC, "press-01", None, lambda d, t: None, publisher=FakePublisher(PermissionError("403")))
    with pytest.raises(PubSubLinkError, match="press-01: publish to .* failed: 403"):
        link.send(b"{}")
