"""Payloads (time filling, round-robin), per-cloud MQTT sessions and IoT Hub SAS tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime, timezone
from urllib.parse import parse_qs, unquote

import pytest

from twin_model.config.model import Provider
from twin_ops.simulator.azure_sas import sas_token
from twin_ops.simulator.config import DeviceCredentials, MqttBroker, SimulatorConfig
from twin_ops.simulator.payloads import PayloadError, load_payloads, messages_for, stamped
from twin_ops.simulator.sessions import aws_session, azure_session, desired_feedback
from tests.conftest import EXAMPLE

KEY = base64.b64encode(bytes(range(32))).decode()


def test_example_payloads_group_by_device_in_file_order():
    payloads = load_payloads(EXAMPLE)
    assert list(payloads) == ["press-01", "press-02", "conveyor-01", "air-quality-01"]
    assert payloads["press-01"][0]["temperature"] == 172.4


def test_empty_time_is_filled_with_utc_milliseconds_and_given_time_kept():
    now = lambda: datetime(2025, 3, 1, 12, 30, 5, 123456, tzinfo=timezone.utc)  # noqa: E731
    assert stamped({"iotDeviceId": "d", "time": ""}, now)["time"] == "2025-03-01T12:30:05.123Z"
    assert stamped({"iotDeviceId": "d", "time": "2024-01-01T00:00:00.000Z"}, now)["time"] == "2024-01-01T00:00:00.000Z"


def test_count_cycles_through_a_devices_payloads():
    assert [p["n"] for p in messages_for([{"n": 1}, {"n": 2}], 5)] == [1, 2, 1, 2, 1]
    assert [p["n"] for p in messages_for([{"n": 1}, {"n": 2}], None)] == [1, 2]


@pytest.mark.parametrize("content", ['{"iotDeviceId": "d"}', '[{"time": ""}]', '[{"iotDeviceId": 3}]'])
def test_malformed_payload_files_are_named_errors(tmp_path, content):
    (tmp_path / "iot_device_simulator").mkdir()
    (tmp_path / "iot_device_simulator" / "payloads.json").write_text(content)
    with pytest.raises(PayloadError, match="payloads.json"):
        load_payloads(tmp_path)


def test_aws_session_uses_the_device_policy_topics_and_its_certificate(tmp_path):
    config = SimulatorConfig(
        Provider.AWS, "plant", (DeviceCredentials("d1", certificate="d1/c.crt", private_key="d1/k.key"),),
        mqtt=MqttBroker("abc-ats.iot.eu-central-1.amazonaws.com"),
    )
    session = aws_session(config, config.devices[0], tmp_path)
    # client id = the thing name <twin>-<device>; no CA file: the system trust store
    assert (session.device_id, session.client_id, session.port, session.ca_file) == ("d1", "plant-d1", 8883, None)
    assert (session.telemetry_topic, session.feedback_topic) == ("dt/plant/d1/telemetry", "dt/plant/d1/feedback")
    assert session.certificate == str(tmp_path / "d1/c.crt") and session.username is None


def test_azure_session_authenticates_with_a_valid_sas_token(tmp_path):
    (tmp_path / "d1").mkdir()
    (tmp_path / "d1" / "key").write_text(KEY + "\n")
    config = SimulatorConfig(
        Provider.AZURE, "plant", (DeviceCredentials("d1", shared_access_key="d1/key"),), mqtt=MqttBroker("hub.azure-devices.net")
    )
    session = azure_session(config, config.devices[0], tmp_path, now=1_700_000_000)
    assert session.username == "hub.azure-devices.net/d1/?api-version=2021-04-12"
    assert session.telemetry_topic == "devices/d1/messages/events/$.ct=application%2Fjson&$.ce=utf-8"
    assert session.feedback_topic == "$iothub/twin/PATCH/properties/desired/#"
    fields = parse_qs(session.password.removeprefix("SharedAccessSignature "))
    assert unquote(fields["sr"][0]) == "hub.azure-devices.net/devices/d1"
    assert int(fields["se"][0]) == 1_700_000_000 + 3600
    # What IoT Hub checks: HMAC-SHA256 of "<url-encoded resource>\n<expiry>" with the decoded key.
    signed = f"hub.azure-devices.net%2Fdevices%2Fd1\n{fields['se'][0]}".encode()
    expected = base64.b64encode(hmac.new(base64.b64decode(KEY), signed, hashlib.sha256).digest()).decode()
    assert fields["sig"][0] == expected


def test_sas_token_changes_with_key_and_expiry():
    other_key = base64.b64encode(bytes(32)).decode()
    token = sas_token("h/devices/d", KEY, 100)
    assert token != sas_token("h/devices/d", other_key, 100) and token != sas_token("h/devices/d", KEY, 101)


def test_desired_patch_feedback_is_shown_without_the_version():
    assert json.loads(desired_feedback(b'{"feedback": {"message": "m"}, "$version": 4}')) == {"message": "m"}
