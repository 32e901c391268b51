"""Device feedback on Google: L2's feedback function (the twin's feedback topic, or the feedback
bridge when L1 is on another cloud) and L1's feedback receiver, each served by functions-framework
on 127.0.0.1, with Pub/Sub and Secret Manager faked at the client boundary.

Expected values from the contract: the device's subscription `<twin>-device-feedback-<device>`
filters on the attribute `device_id`; the message is `{message, feedback_id, rule, sent}`.
"""

from __future__ import annotations

import json
import urllib.request

import pytest

from runtime.core.http_client import DeliveryError
from tests.gcp.gcp_runtime import TOKEN_SECRET

TOPIC = "projects/p/topics/twin-device-feedback"
PREFIX = "twin-device-feedback"


@pytest.fixture
def receiver(gcp_runtime, serve_function):
    gcp_runtime.publisher.subscriptions[TOPIC] = [f"projects/p/subscriptions/{PREFIX}-{d}" for d in ("d1", "d2")]
    return serve_function(
        "feedback_receiver", INBOUND_TOKEN_SECRET=TOKEN_SECRET, FEEDBACK_TOPIC=TOPIC, FEEDBACK_SUBSCRIPTION_PREFIX=PREFIX
    )


def envelope(device_id: str, trace: str = "b" * 32) -> dict:
    return {"source_cloud": "aws", "target_layer": "L1", "message_type": "feedback",
            "timestamp": "2026-01-01T10:00:00.000Z", "trace_id": trace, "payload": [{"device_id": device_id, "payload": "x"}]}


def test_the_receiver_publishes_for_the_devices_subscription(gcp_runtime, receiver) -> None:
    assert receiver.client().post(envelope("d2")) == {"status": "received", "trace_id": "b" * 32, "count": 1}
    [(topic, data, attributes)] = gcp_runtime.publisher.messages
    assert topic == TOPIC and attributes["device_id"] == "d2"
    assert json.loads(data)["message"] == "x" and json.loads(data)["feedback_id"] == attributes["feedback_id"]


def test_the_receiver_refuses_a_wrong_token(gcp_runtime, receiver) -> None:
    with pytest.raises(DeliveryError, match="401"):
        receiver.client("wrong-token").post(envelope("d1"))
    assert gcp_runtime.publisher.messages == []


def test_a_device_without_a_subscription_is_404_and_not_retried(gcp_runtime, receiver) -> None:
    with pytest.raises(DeliveryError, match="404") as failure:
        receiver.client().post(envelope("ghost"))
    assert failure.value.status == 404 and gcp_runtime.publisher.messages == []


def test_a_replayed_envelope_publishes_once(gcp_runtime, receiver) -> None:
    receiver.client().post(envelope("d1"))
    receiver.client().post(envelope("d1"))
    assert len(gcp_runtime.publisher.messages) == 1


def test_subscriptions_are_listed_once_and_again_only_for_a_missing_device(gcp_runtime, receiver) -> None:
    receiver.client().post(envelope("d1", "1" * 32))
    receiver.client().post(envelope("d2", "2" * 32))
    assert gcp_runtime.publisher.listings == 1


def test_l2_sends_feedback_over_the_bridge_when_l1_is_elsewhere(gcp_runtime, serve_function, receiver) -> None:
    # Here the bridge's receiver is Google's too; on a real twin it is L1's on another cloud.
    l2 = serve_function("feedback", DEVICE_FEEDBACK_URL=receiver.url, DEVICE_FEEDBACK_TOKEN_SECRET=TOKEN_SECRET)
    request = urllib.request.Request(
        l2.url, data=json.dumps({"device_id": "d1", "payload": "cool down", "rule": {"condition": "c"}}).encode(),
        method="POST", headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        result = json.loads(response.read())
    assert result["delivered_to"] == "feedback bridge"
    [(topic, data, attributes)] = gcp_runtime.publisher.messages
    assert attributes == {"device_id": "d1", "feedback_id": result["feedback_id"]}
    assert json.loads(data)["rule"] == "c"


def test_l2_needs_exactly_one_way_to_the_devices(gcp_runtime, serve_function) -> None:
    from runtime.core.config import ConfigurationError

    with pytest.raises(ConfigurationError, match="set exactly one of"):
        serve_function("feedback")
    with pytest.raises(ConfigurationError, match="both set"):
        serve_function("feedback", FEEDBACK_TOPIC=TOPIC, FEEDBACK_SUBSCRIPTION_PREFIX=PREFIX,
                       DEVICE_FEEDBACK_URL="https://l1.example/", DEVICE_FEEDBACK_TOKEN_SECRET=TOKEN_SECRET)
