"""Device feedback on Google: L2's feedback function (the twin's feedback topic, or the feedback
bridge when L1 is on another cloud) and L1's feedback receiver, each served by functions-framework
on 127.0.0.1, with Pub/Sub and Secret Manager faked at the client boundary.

Expected values from the contract: a device is known when it is in the twin's device list
(`devices.json` in the registry bucket, the storage emulator here); the message is
`{message, feedback_id, rule, sent}` with the attribute `device_id`.
"""

from __future__ import annotations

import json
import urllib.request

import pytest

from runtime.core.http_client import DeliveryError
from runtime.gcp.pubsub_devices import RELIST_SECONDS, DeviceList
from tests.gcp.gcp_runtime import TOKEN_SECRET, device_list

TOPIC = "projects/p/topics/twin-device-feedback"
REGISTRY = "twin-devices-abc123"


@pytest.fixture
def receiver(gcp_runtime, serve_function, storage_emulator):
    device_list(storage_emulator, REGISTRY, ["d1", "d2"])
    return serve_function(
        "feedback_receiver", INBOUND_TOKEN_SECRET=TOKEN_SECRET, FEEDBACK_TOPIC=TOPIC, DEVICE_REGISTRY_BUCKET=REGISTRY
    )


def envelope(device_id: str, trace: str = "b" * 32) -> dict:
    return {"source_cloud": "aws", "target_layer": "L1", "message_type": "feedback",
            "timestamp": "2026-01-01T10:00:00.000Z", "trace_id": trace, "payload": [{"device_id": device_id, "payload": "x"}]}


def test_the_receiver_publishes_for_a_device_of_the_list(gcp_runtime, receiver) -> None:
    assert receiver.client().post(envelope("d2")) == {"status": "received", "trace_id": "b" * 32, "count": 1}
    [(topic, data, attributes)] = gcp_runtime.publisher.messages
    assert topic == TOPIC and attributes["device_id"] == "d2"
    assert json.loads(data)["message"] == "x" and json.loads(data)["feedback_id"] == attributes["feedback_id"]


def test_the_receiver_refuses_a_wrong_token(gcp_runtime, receiver) -> None:
    with pytest.raises(DeliveryError, match="401"):
        receiver.client("wrong-token").post(envelope("d1"))
    assert gcp_runtime.publisher.messages == []


def test_a_device_not_in_the_list_is_404_and_not_retried(gcp_runtime, receiver) -> None:
    with pytest.raises(DeliveryError, match="404") as failure:
        receiver.client().post(envelope("ghost"))
    assert failure.value.status == 404 and gcp_runtime.publisher.messages == []


def test_a_replayed_envelope_publishes_once(gcp_runtime, receiver) -> None:
    receiver.client().post(envelope("d1"))
    receiver.client().post(envelope("d1"))
    assert len(gcp_runtime.publisher.messages) == 1


class CountingStorage:
    """A storage client whose device list object counts its downloads."""

    def __init__(self, ids: list[str]) -> None:
        self.ids, self.reads = ids, 0

    def bucket(self, name: str):
        return self

    def blob(self, name: str):
        assert name == "devices.json"
        return self

    def download_as_bytes(self) -> bytes:
        self.reads += 1
        return json.dumps(self.ids).encode()


def test_the_list_is_read_once_and_again_only_for_a_missing_device_at_most_once_a_minute() -> None:
    now = [0.0]
    storage = CountingStorage(["d1", "d2"])
    devices = DeviceList(REGISTRY, storage, clock=lambda: now[0])
    assert "d1" in devices and "d2" in devices and storage.reads == 1
    assert "d3" not in devices and storage.reads == 1  # read less than a minute ago
    storage.ids.append("d3")  # a later deploy adds it
    now[0] = RELIST_SECONDS
    assert "d3" in devices and storage.reads == 2
    storage.ids.remove("d1")  # and a removal is seen at the next read
    now[0] = 2 * RELIST_SECONDS
    assert "ghost" not in devices and "d1" not in devices and storage.reads == 3


def test_a_list_that_is_not_an_array_of_ids_is_an_error_not_an_unknown_device() -> None:
    storage = CountingStorage(["d1"])
    storage.ids = {"d1": True}  # type: ignore[assignment]
    with pytest.raises(ValueError, match="not a JSON array of device ids"):
        DeviceList(REGISTRY, storage).__contains__("d1")


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
        serve_function("feedback", FEEDBACK_TOPIC=TOPIC, DEVICE_REGISTRY_BUCKET=REGISTRY,
                       DEVICE_FEEDBACK_URL="https://l1.example/", DEVICE_FEEDBACK_TOKEN_SECRET=TOKEN_SECRET)
