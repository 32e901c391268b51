"""Device feedback on AWS: L2's feedback function (IoT Core, or the feedback bridge when L1 is on
another cloud) and L1's feedback receiver behind its Function URL on 127.0.0.1, IoT under moto.

Expected topics and payloads come from the contract: `dt/<twin>/<device>/feedback` (twin_contract
devices, the device policy's topic), things named `<twin>-<device>`, the device message
`{message, feedback_id, rule, sent}`.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.iotdata.models import iotdata_backends

from runtime.aws import clients
from runtime.core.config import ConfigurationError
from runtime.core.errors import InvalidInput
from runtime.core.feedback import UnknownDevice
from runtime.core.http_client import DeliveryError, InterCloudClient
from runtime.core.receiver import TOKEN_HEADER
from tests.runtime.conftest import FAST_RETRIES
from tests.runtime.runtime_testing import REGION, TOKEN, function_url

RULE = {"condition": "press.sensor.temperature > DOUBLE(80)"}


@pytest.fixture
def things(aws: Any) -> None:
    """The twin's devices as the L1 stack's fleet creates them."""
    for device_id in ("d1", "d2"):
        clients.client("iot").create_thing(thingName=f"twin-{device_id}")


def published() -> list[tuple[str, dict]]:
    return [(topic, json.loads(payload)) for topic, payload in iotdata_backends[DEFAULT_ACCOUNT_ID][REGION].published_payloads]


def test_l1_on_aws_publishes_to_the_devices_topic(load_handler, things) -> None:
    feedback = load_handler("feedback", TWIN_NAME="twin")
    result = feedback.handler({"device_id": "d1", "payload": {"led": "red"}, "rule": RULE})
    assert result["delivered_to"] == "dt/twin/d1/feedback" and result["device_id"] == "d1"
    ((topic, message),) = published()
    assert topic == "dt/twin/d1/feedback"
    assert message == {"message": {"led": "red"}, "feedback_id": result["feedback_id"], "rule": RULE["condition"],
                       "sent": message["sent"]}


def test_an_unknown_device_fails_the_invocation_for_the_failure_queue(load_handler, things) -> None:
    with pytest.raises(UnknownDevice, match="ghost"):
        load_handler("feedback", TWIN_NAME="twin").handler({"device_id": "ghost", "payload": "x"})
    assert published() == []


@pytest.mark.parametrize("event", [{"device_id": "d1"}, {"device_id": "+/#", "payload": "x"}, "text"])
def test_feedback_rejects_bad_input(load_handler, things, event: Any) -> None:
    with pytest.raises(InvalidInput):
        load_handler("feedback", TWIN_NAME="twin").handler(event)


def test_a_bridge_url_without_its_token_secret_stops_the_cold_start(load_handler) -> None:
    with pytest.raises(ConfigurationError, match="DEVICE_FEEDBACK_TOKEN_SECRET"):
        load_handler("feedback", TWIN_NAME="twin", DEVICE_FEEDBACK_URL="https://l1.example/feedback")


@pytest.fixture
def receiver(load_handler, serve, things, token_secret: str):
    module = load_handler("feedback_receiver", TWIN_NAME="twin", INBOUND_TOKEN_SECRET=token_secret)
    return serve(function_url(module.handler))


def test_l1s_receiver_delivers_feedback_from_another_clouds_l2(load_handler, receiver) -> None:
    # L2's function in bridge mode: what runs on the other cloud, here against the loopback receiver.
    clients.client("secretsmanager").create_secret(Name="l2-copy", SecretString=TOKEN)
    l2 = load_handler("feedback", TWIN_NAME="twin", DEVICE_FEEDBACK_URL=receiver.url, DEVICE_FEEDBACK_TOKEN_SECRET="l2-copy")
    result = l2.handler({"device_id": "d2", "payload": "slow down", "rule": RULE})
    assert result["delivered_to"] == "feedback bridge"
    assert receiver.requests[0].headers[TOKEN_HEADER] == TOKEN
    ((topic, message),) = published()
    assert topic == "dt/twin/d2/feedback" and message["message"] == "slow down"
    assert message["feedback_id"] == result["feedback_id"]


def client(receiver, token: str = TOKEN) -> InterCloudClient:
    return InterCloudClient(receiver.url, lambda: token, FAST_RETRIES)


def envelope(device_id: str, trace: str = "a" * 32) -> dict:
    return {"source_cloud": "google", "target_layer": "L1", "message_type": "feedback",
            "timestamp": "2026-01-01T10:00:00.000Z", "trace_id": trace, "payload": [{"device_id": device_id, "payload": 1}]}


def test_the_receiver_refuses_a_wrong_token_without_publishing(receiver) -> None:
    with pytest.raises(DeliveryError, match="401"):
        client(receiver, "wrong-token").post(envelope("d1"))
    assert published() == [] and len(receiver.requests) == 1


def test_an_unknown_device_is_404_and_not_retried(receiver) -> None:
    with pytest.raises(DeliveryError, match="404") as failure:
        client(receiver).post(envelope("ghost"))
    assert failure.value.status == 404 and len(receiver.requests) == 1 and published() == []


def test_a_replayed_envelope_publishes_once(receiver) -> None:
    first, again = client(receiver).post(envelope("d1")), client(receiver).post(envelope("d1"))
    assert first == again == {"status": "received", "trace_id": "a" * 32, "count": 1}
    assert [topic for topic, _ in published()] == ["dt/twin/d1/feedback"]
