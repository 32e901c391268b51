"""Device feedback in the core: L2's use case, the L2 → L1 bridge's sending port and L1's receiver.

Expected values come from the wire contract (docs/design.md §5, docs/runtime-contract.md): the
envelope's fields, 401/400/404 answers, the record identity of a replayed envelope.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from runtime.core.envelope import build_envelope
from runtime.core.errors import InvalidInput
from runtime.core.feedback import (
    MAX_MESSAGE_BYTES,
    BridgeDevices,
    Feedback,
    RecentIds,
    UnknownDevice,
    feedback_from_event,
    feedback_receiver,
    send_feedback,
)
from runtime.core.http_client import DeliveryError, InterCloudClient, RetryPolicy
from runtime.core.receiver import TOKEN_HEADER, InboundRequest, handle_inbound
from tests.runtime.runtime_testing import RecordedRequest, Reply, contract_id, json_reply

TOKEN = "feedback-token-0123456789"
NOW = datetime(2026, 1, 1, 10, 0, 0, 123000, tzinfo=UTC)
RULE = {"condition": "press.sensor.temperature > DOUBLE(80)", "action": {"type": "lambda"}}
FAST = RetryPolicy(max_attempts=3, initial_delay=0.01, max_delay=0.02, deadline=3.0, timeout=2.0)


class Devices:
    """A device service with a fixed set of devices, recording what it delivered."""

    def __init__(self, *known: str) -> None:
        self.known, self.delivered = set(known), []

    def deliver(self, feedback: Feedback) -> str:
        if feedback.device_id not in self.known:
            raise UnknownDevice(f"no device {feedback.device_id}")
        self.delivered.append(feedback)
        return f"devices/{feedback.device_id}"


def envelope(*feedbacks: dict, message_type: str = "feedback", target: str = "L1", trace: str = "t" * 32) -> dict:
    return {"source_cloud": "azure", "target_layer": target, "message_type": message_type,
            "timestamp": "2026-01-01T10:00:00.000Z", "trace_id": trace, "payload": list(feedbacks)}


def post(handle, body, token: str = TOKEN):
    headers = {TOKEN_HEADER: token} if token else {}
    return handle_inbound(InboundRequest(headers, json.dumps(body).encode()), TOKEN, handle)


# --- L2: the event checker's feedback ------------------------------------------------------------


def test_an_event_becomes_a_feedback_with_an_id_the_rule_and_the_send_time():
    feedback = feedback_from_event({"device_id": "press-01", "payload": {"led": "red"}, "rule": RULE}, NOW)
    assert (feedback.device_id, feedback.message, feedback.rule) == ("press-01", {"led": "red"}, RULE["condition"])
    assert feedback.sent == "2026-01-01T10:00:00.123Z" and len(feedback.feedback_id) == 32
    assert feedback.device_message() == {
        "message": {"led": "red"}, "feedback_id": feedback.feedback_id, "rule": RULE["condition"], "sent": feedback.sent,
    }


@pytest.mark.parametrize(
    "event, problem",
    [
        ({"device_id": "d1"}, "feedback needs"),
        ("text", "feedback needs"),
        ({"device_id": "+/#", "payload": "x"}, "device id"),
        ({"device_id": "d1", "payload": "x" * MAX_MESSAGE_BYTES}, "devices accept at most"),
        ({"device_id": "d1", "payload": float("nan")}, "finite numbers"),
        ({"device_id": "d1", "payload": "x", "feedback_id": "not-hex"}, "feedback_id"),
        ({"device_id": "d1", "payload": "x", "rule": 7}, "rule must be"),
    ],
)
def test_bad_events_are_bad_input(event, problem):
    with pytest.raises(InvalidInput, match=problem):
        feedback_from_event(event, NOW)


def test_send_feedback_delivers_through_the_port_it_is_given():
    devices = Devices("d1")
    result = send_feedback({"device_id": "d1", "payload": "slow down", "rule": RULE}, devices, NOW)
    assert result == {"feedback_id": devices.delivered[0].feedback_id, "device_id": "d1", "delivered_to": "devices/d1"}
    with pytest.raises(UnknownDevice):
        send_feedback({"device_id": "d2", "payload": "x"}, devices, NOW)


# --- L1: the feedback bridge's receiver -------------------------------------------------------------


def test_the_receiver_needs_the_connections_token():
    devices = Devices("d1")
    for token in ("", "wrong-token"):
        response = post(feedback_receiver(devices), envelope({"device_id": "d1", "payload": "x"}), token)
        assert response.status == 401 and devices.delivered == []


def test_the_receiver_routes_each_feedback_to_its_device():
    devices = Devices("d1", "d2")
    response = post(feedback_receiver(devices), envelope({"device_id": "d1", "payload": "a"}, {"device_id": "d2", "payload": "b"}))
    assert response.status == 200 and response.body == {"status": "received", "trace_id": "t" * 32, "count": 2}
    assert [(f.device_id, f.message) for f in devices.delivered] == [("d1", "a"), ("d2", "b")]
    # A feedback sent without id or time gets the envelope's: the contract's `<trace id>:<index>` identity.
    assert [f.feedback_id for f in devices.delivered] == [contract_id(f"{'t' * 32}:{i}") for i in (0, 1)]
    assert {f.sent for f in devices.delivered} == {"2026-01-01T10:00:00.000Z"}


def test_an_unknown_device_is_a_404_that_names_it():
    response = post(feedback_receiver(Devices("d1")), envelope({"device_id": "ghost", "payload": "x"}))
    assert response.status == 404
    assert response.body["error"]["code"] == "unknown_device" and "ghost" in response.body["error"]["message"]


@pytest.mark.parametrize(
    "body, status",
    [
        (envelope({"device_id": "d1", "payload": "x"}, message_type="telemetry"), 400),
        (envelope({"device_id": "d1", "payload": "x"}, target="L2"), 400),
        (envelope({"device_id": "d1"}), 400),
        (envelope(*[{"device_id": "d1", "payload": i} for i in range(101)]), 400),
        ({"payload": []}, 400),
    ],
    ids=["telemetry", "wrong-layer", "no-payload", "too-many", "no-envelope"],
)
def test_bodies_that_can_never_succeed_are_400(body, status):
    devices = Devices("d1")
    assert post(feedback_receiver(devices), body).status == status and devices.delivered == []


def test_a_replayed_envelope_is_delivered_once():
    devices = Devices("d1")
    receiver = feedback_receiver(devices)
    body = envelope({"device_id": "d1", "payload": "x"})
    first, again = post(receiver, body), post(receiver, body)
    assert first.status == again.status == 200 and first.body == again.body
    assert len(devices.delivered) == 1


def test_a_failed_delivery_is_retried_by_the_next_request():
    class Flaky(Devices):
        def deliver(self, feedback: Feedback) -> str:
            if not self.delivered and not getattr(self, "failed", False):
                self.failed = True
                raise ConnectionError("device service unavailable")
            return super().deliver(feedback)

    devices = Flaky("d1")
    receiver, body = feedback_receiver(devices), envelope({"device_id": "d1", "payload": "x"})
    assert post(receiver, body).status == 500  # the sender retries 5xx
    assert post(receiver, body).status == 200 and len(devices.delivered) == 1


def test_recent_ids_forget_the_oldest_beyond_their_size():
    recent = RecentIds(size=2)
    for feedback_id in ("a", "b", "c"):
        recent.add(feedback_id)
    assert "a" not in recent and "b" in recent and "c" in recent


# --- both sides over loopback HTTP ----------------------------------------------------------------


def receiver_server(serve, devices):
    handle = feedback_receiver(devices)

    def respond(request: RecordedRequest) -> Reply:
        response = handle_inbound(InboundRequest(request.headers, request.body), TOKEN, handle)
        return json_reply(response.status, response.body)

    return serve(respond)


def test_the_bridge_port_sends_one_envelope_per_feedback_with_the_token(serve):
    devices = Devices("d1")
    server = receiver_server(serve, devices)
    bridge = BridgeDevices(InterCloudClient(server.url, lambda: TOKEN, FAST), "aws")
    result = send_feedback({"device_id": "d1", "payload": {"led": "red"}, "rule": RULE}, bridge, NOW)
    (request,) = server.requests
    sent = json.loads(request.body)
    assert request.headers[TOKEN_HEADER] == TOKEN
    assert {k: sent[k] for k in ("source_cloud", "target_layer", "message_type")} == {
        "source_cloud": "aws", "target_layer": "L1", "message_type": "feedback"}
    assert sent["payload"] == [{"feedback_id": result["feedback_id"], "device_id": "d1", "payload": {"led": "red"},
                                "rule": RULE["condition"], "sent": "2026-01-01T10:00:00.123Z"}]
    assert devices.delivered[0].feedback_id == result["feedback_id"]  # one id from L2 to the device


def test_an_unknown_device_is_not_retried_and_raises_for_the_dead_letters(serve):
    server = receiver_server(serve, Devices("d1"))
    bridge = BridgeDevices(InterCloudClient(server.url, lambda: TOKEN, FAST), "google")
    with pytest.raises(DeliveryError, match="404") as failure:
        send_feedback({"device_id": "ghost", "payload": "x"}, bridge, NOW)
    assert failure.value.status == 404 and len(server.requests) == 1


def test_a_lost_answer_is_retried_and_the_device_gets_the_feedback_once(serve):
    devices = Devices("d1")
    handle, answers = feedback_receiver(devices), []

    def respond(request: RecordedRequest) -> Reply:
        response = handle_inbound(InboundRequest(request.headers, request.body), TOKEN, handle)
        answers.append(response.status)
        return json_reply(503, {"error": {"code": "unavailable", "message": ""}}) if len(answers) == 1 else json_reply(
            response.status, response.body)

    server = serve(respond)
    send_feedback({"device_id": "d1", "payload": "x"}, BridgeDevices(InterCloudClient(server.url, lambda: TOKEN, FAST), "azure"))
    assert len(server.requests) == 2 and answers == [200, 200] and len(devices.delivered) == 1


def test_an_envelope_of_the_bridge_port_is_what_build_envelope_makes():
    sent = []
    BridgeDevices(type("Client", (), {"post": lambda self, body: sent.append(body)})(), "aws").deliver(
        feedback_from_event({"device_id": "d1", "payload": 1}, NOW))
    expected = build_envelope([sent[0]["payload"][0]], "aws", "L1", "feedback")
    assert set(sent[0]) == set(expected) and sent[0]["message_type"] == "feedback"
