"""Envelope, receiver and batching sender (the wire contract, docs/design.md §5)."""

import json
from typing import Any

import pytest

from runtime.core.envelope import EnvelopeError, build_envelope, parse_envelope, records_receiver
from runtime.core.errors import InvalidInput
from runtime.core.receiver import MAX_BODY_BYTES, InboundRequest, handle_inbound, token_matches
from runtime.core.sender import RecordSender
from tests.runtime.runtime_testing import contract_id

TOKEN = "s3cret"


def request(body: Any, **headers: str) -> InboundRequest:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return InboundRequest(headers=headers, body=raw)


def echo(body: Any) -> dict:
    return {"echo": body}


def test_envelope_round_trip() -> None:
    body = build_envelope([{"device_id": "d1"}], "aws", "L2")
    assert set(body) == {"source_cloud", "target_layer", "message_type", "timestamp", "trace_id", "payload"}
    envelope = parse_envelope(json.loads(json.dumps(body)), "L2")
    assert envelope.records == [{"device_id": "d1"}] and envelope.message_type == "telemetry"
    assert parse_envelope({**body, "payload": {"device_id": "d1"}}, "L2").records == [{"device_id": "d1"}]


def test_envelopes_get_distinct_trace_ids() -> None:
    assert build_envelope({}, "aws", "L2")["trace_id"] != build_envelope({}, "aws", "L2")["trace_id"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"trace_id": None}, "missing trace_id"),
        ({"target_layer": "L3_hot"}, "this receiver serves"),
        ({"payload": []}, "payload"),
        ({"payload": "text"}, "payload"),
    ],
)
def test_bad_envelopes_are_rejected(change: dict, message: str) -> None:
    with pytest.raises(EnvelopeError, match=message):
        parse_envelope({**build_envelope({"device_id": "d1"}, "aws", "L2"), **change}, "L2")


@pytest.mark.parametrize("name", ["X-Inter-Cloud-Token", "x-inter-cloud-token", "X-INTER-CLOUD-TOKEN"])
def test_token_header_is_case_insensitive(name: str) -> None:
    assert token_matches({name: TOKEN}, TOKEN)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, TOKEN),
        ({"x-inter-cloud-token": "wrong"}, TOKEN),
        ({"x-inter-cloud-token": ""}, ""),
        ({"x-inter-cloud-token": "x"}, ""),
    ],
)
def test_missing_wrong_or_unconfigured_tokens_are_refused(headers: dict, expected: str) -> None:
    response = handle_inbound(request({}, **headers), expected, echo)
    assert response.status == 401 and response.body["error"]["code"] == "unauthorized"


def test_success_passes_the_parsed_body() -> None:
    response = handle_inbound(request({"a": 1}, **{"X-Inter-Cloud-Token": TOKEN}), TOKEN, echo)
    assert (response.status, response.body) == (200, {"echo": {"a": 1}})


def test_malformed_json_is_400() -> None:
    response = handle_inbound(request(b"{nope", **{"x-inter-cloud-token": TOKEN}), TOKEN, echo)
    assert response.status == 400 and response.body["error"]["code"] == "invalid_json"


def test_invalid_input_is_400_with_its_code() -> None:
    def reject(body: Any) -> dict:
        raise InvalidInput("no good", code="bad_thing")

    response = handle_inbound(request({}, **{"x-inter-cloud-token": TOKEN}), TOKEN, reject)
    assert (response.status, response.body) == (400, {"error": {"code": "bad_thing", "message": "no good"}})


def test_oversized_bodies_are_413() -> None:
    response = handle_inbound(request(b" " * (MAX_BODY_BYTES + 1), **{"x-inter-cloud-token": TOKEN}), TOKEN, echo)
    assert response.status == 413


def test_internal_failures_are_500_without_details(caplog: pytest.LogCaptureFixture) -> None:
    def crash(body: Any) -> dict:
        raise RuntimeError("database on fire")

    response = handle_inbound(request({}, **{"x-inter-cloud-token": TOKEN}), TOKEN, crash)
    assert response.status == 500 and "fire" not in json.dumps(response.body)
    assert "database on fire" in caplog.text


def test_records_receiver_normalises_delivers_and_returns_a_receipt() -> None:
    delivered: list = []
    receive = records_receiver("L2", delivered.extend)
    envelope = build_envelope([{"iotDeviceId": "d1", "time": 0, "t": 1}], "azure", "L2")
    assert receive(envelope) == {"status": "received", "trace_id": envelope["trace_id"], "count": 1}
    rid = contract_id(f"{envelope['trace_id']}:0")  # an id-less record: envelope trace id and index
    assert delivered == [{"device_id": "d1", "timestamp": "1970-01-01T00:00:00.000Z", "record_id": rid, "t": 1}]


def test_records_without_time_or_id_stay_apart_and_a_replayed_envelope_yields_the_same_records() -> None:
    """Five clockless records in one envelope were one row, plus one per replay."""
    delivered: list = []
    receive = records_receiver("L3_hot", delivered.extend)
    envelope = build_envelope([{"device_id": "d1", "n": n} for n in range(5)], "gcp", "L3_hot")
    receive(envelope)
    receive(json.loads(json.dumps(envelope)))  # the sender's retry of the same envelope
    first, replay = delivered[:5], delivered[5:]
    assert first == replay
    assert {r["timestamp"] for r in first} == {envelope["timestamp"]}  # the envelope's time, not "now"
    assert [r["record_id"] for r in first] == [contract_id(f"{envelope['trace_id']}:{n}") for n in range(5)]


class RecordingClient:
    def __init__(self) -> None:
        self.bodies: list[Any] = []

    def post(self, body: Any) -> None:
        self.bodies.append(body)


def test_sender_chunks_records_into_envelopes() -> None:
    client = RecordingClient()
    RecordSender(client, "aws", "L3_hot", batch_size=100).put([{"n": n} for n in range(250)])
    assert [len(body["payload"]) for body in client.bodies] == [100, 100, 50]
    assert {body["target_layer"] for body in client.bodies} == {"L3_hot"}
    assert [item["n"] for body in client.bodies for item in body["payload"]] == list(range(250))


def test_the_sender_batches_100_records_by_default() -> None:
    """docs/design.md §5: batches of up to 100."""
    client = RecordingClient()
    RecordSender(client, "aws", "L3_hot").put([{"n": n} for n in range(201)])
    assert [len(body["payload"]) for body in client.bodies] == [100, 100, 1]


def test_a_batch_not_delivered_is_logged_and_raised(caplog) -> None:
    class Failing:
        def post(self, body):
            raise ConnectionError("receiver down")

    with caplog.at_level("WARNING"), pytest.raises(ConnectionError):
        RecordSender(Failing(), "aws", "L3_hot").put([{"n": 1}, {"n": 2}])
    assert [record.getMessage() for record in caplog.records] == ["2 records not delivered to L3_hot"]
