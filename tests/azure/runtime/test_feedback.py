"""Device feedback on Azure: L1's feedback receiver (HTTP function served on 127.0.0.1 as the Functions
host would) against a fake IoT Hub, and L2's feedback function in both modes; then the real cross-cloud
path: Azure L2's feedback function → the AWS L1 feedback receiver → the device's IoT Core topic.

Expected values from the contract: the device twin's desired property `feedback` holds
`{message, feedback_id, rule, sent}`; an unknown device is IoT Hub's 404 and the receiver's 404.
"""

from __future__ import annotations

import json

import pytest

from runtime.azure.iot_hub_devices import IotHubDevices
from runtime.core.config import ConfigurationError
from runtime.core.feedback import feedback_receiver
from runtime.core.http_client import DeliveryError, InterCloudClient
from tests.azure.runtime.conftest import FAST_RETRIES, TOKEN
from tests.azure.runtime.test_e2e_aws_to_azure import aws, azure_http, load_aws  # noqa: F401 (aws: a fixture)
from tests.azure.runtime.test_functions import queued
from tests.runtime.runtime_testing import LoopbackServer, function_url


@pytest.fixture
def hub(fake_azure):
    fake_azure.devices = {"d1", "d2"}
    return fake_azure


@pytest.fixture
def receiver(load_function, hub):
    module = load_function("feedback_receiver", INBOUND_TOKEN_SECRET="inbound-token", IOT_HUB_HOST="hub.example")
    module._receive = feedback_receiver(IotHubDevices(hub.url.removeprefix("http://"), scheme="http"))  # loopback
    server = LoopbackServer(azure_http(module.receive)).start()
    yield server
    server.stop()


def client(server, token: str = TOKEN) -> InterCloudClient:
    return InterCloudClient(server.url, lambda: token, FAST_RETRIES)


def envelope(device_id: str, trace: str = "c" * 32) -> dict:
    return {"source_cloud": "google", "target_layer": "L1", "message_type": "feedback",
            "timestamp": "2026-01-01T10:00:00.000Z", "trace_id": trace,
            "payload": [{"device_id": device_id, "payload": {"valve": "close"}, "rule": "c"}]}


def desired(hub) -> list[tuple[str, dict]]:
    return [(path.split("?")[0], body["properties"]["desired"]["feedback"]) for path, body in hub.patches]


def test_the_receiver_sets_the_devices_desired_property(receiver, hub) -> None:
    assert client(receiver).post(envelope("d2"))["count"] == 1
    [(path, feedback)] = desired(hub)
    assert path == "/twins/d2" and feedback["message"] == {"valve": "close"} and feedback["rule"] == "c"
    assert feedback["sent"] == "2026-01-01T10:00:00.000Z" and len(feedback["feedback_id"]) == 32
    (_, _, headers) = next(r for r in hub.requests if r[0] == "PATCH")
    assert headers["Authorization"] == "Bearer mi-token-for-https://iothubs.azure.net"


def test_the_receiver_refuses_a_wrong_token(receiver, hub) -> None:
    with pytest.raises(DeliveryError, match="401"):
        client(receiver, "wrong-token").post(envelope("d1"))
    assert hub.patches == []


def test_an_unknown_device_is_the_hubs_404_passed_on(receiver, hub) -> None:
    with pytest.raises(DeliveryError, match="404") as failure:
        client(receiver).post(envelope("ghost"))
    assert failure.value.status == 404 and len(receiver.requests) == 1 and hub.patches == []


def test_a_replayed_envelope_writes_the_twin_once(receiver, hub) -> None:
    client(receiver).post(envelope("d1"))
    client(receiver).post(envelope("d1"))
    assert len(hub.patches) == 1


def test_l2_without_l1s_hub_or_a_bridge_does_not_start(load_function) -> None:
    # The predecessor's failure: an L2 feedback function deployed with L1 elsewhere and no way to it.
    with pytest.raises(ConfigurationError, match="set exactly one of IOT_HUB_HOST"):
        load_function("feedback")


def test_l2_sends_over_the_bridge_when_l1_is_elsewhere(load_function, receiver, hub) -> None:
    l2 = load_function("feedback", DEVICE_FEEDBACK_URL=receiver.url, DEVICE_FEEDBACK_TOKEN_SECRET="inbound-token")
    assert l2.send(queued({"device_id": "d1", "payload": "slow down", "rule": {"condition": "c"}})) == "d1"
    [(path, feedback)] = desired(hub)
    assert path == "/twins/d1" and feedback["message"] == "slow down"


def test_azure_l2_feedback_reaches_a_device_on_aws_iot_core(aws, load_function, monkeypatch) -> None:
    """L1 on AWS, L2 on Azure: the feedback bridge azure_l2_to_aws_l1_feedback end to end."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.iotdata.models import iotdata_backends

    aws.client("secretsmanager").create_secret(Name="twin/inter-cloud/azure_l2_to_aws_l1_feedback/token",
                                               SecretString=TOKEN)
    aws.client("iot").create_thing(thingName="twin-press-01")
    monkeypatch.setenv("TWIN_NAME", "twin")
    aws_receiver = load_aws("feedback_receiver", monkeypatch,
                            INBOUND_TOKEN_SECRET="twin/inter-cloud/azure_l2_to_aws_l1_feedback/token")
    server = LoopbackServer(function_url(aws_receiver.handler)).start()
    try:
        l2 = load_function("feedback", DEVICE_FEEDBACK_URL=server.url, DEVICE_FEEDBACK_TOKEN_SECRET="inbound-token")
        l2.send(queued({"device_id": "press-01", "payload": "slow down", "rule": {"condition": "t > 80"}}))
    finally:
        server.stop()
    [(topic, payload)] = iotdata_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].published_payloads
    assert topic == "dt/twin/press-01/feedback"
    assert json.loads(payload)["message"] == "slow down" and json.loads(payload)["rule"] == "t > 80"
