"""Property-based fuzzing of every Google bridge receiver (HTTP functions, served by
functions-framework's own app in process, with the Firestore and Secret Manager fakes and the GCS
emulator): the exact status of the wire contract for every body with the right and a near-miss token
(tests/runtime/front_door_contract.py), never a stored duplicate (issues #11, #27)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runtime.core.mover import build_payloads
from runtime.gcp.firestore_store import from_document
from tests.gcp.gcp_runtime import BUNDLE_MAIN, TOKEN, TOKEN_SECRET
from tests.runtime.fuzz_bodies import (
    DELIVERY_EXAMPLES,
    Delivery,
    deliveries,
    fuzz_settings,
    hostile_bodies,
    hostile_envelopes,
    hostile_mover_payloads,
    hostile_queries,
    near_valid_envelopes,
    near_valid_mover_payloads,
    near_valid_queries,
    with_poison_examples,
)
from tests.runtime.front_door_contract import BAD_INPUT_CODES, assert_answer, near_misses, valid_body
from tests.runtime.poison_bodies import POISON
from tests.runtime.runtime_testing import LoopbackServer, json_reply

NEAR_MISSES = near_misses(TOKEN)
WRONG = NEAR_MISSES["last byte differs"]

STORE = {"HOT_DATABASE": "twin-hot", "HOT_COLLECTION": "hot-data"}
Post = Callable[..., tuple[int, Any]]


@pytest.fixture
def processor() -> LoopbackServer:
    """The processor function the ingestion calls (ID-token authenticated: the fake accepts any)."""
    server = LoopbackServer(lambda r: json_reply(200, {"count": len(json.loads(r.body))})).start()
    yield server
    server.stop()


@pytest.fixture
def front_doors(gcp_runtime, monkeypatch, processor) -> Callable[[str], Post]:
    """front_doors(name) -> post(body) to that function's functions-framework app, in process."""
    import functions_framework

    settings = {
        "ingestion": {"PROCESSOR_URL": processor.url},
        "hot_writer": {"HOT_RETENTION_DAYS": "30", **STORE},
        "cold_writer": {"COLD_BUCKET_NAME": "cold"},
        "archive_writer": {"ARCHIVE_BUCKET_NAME": "archive"},
        "hot_reader": STORE,
        "hot_reader_last_entry": STORE,
    }

    def load(name: str) -> Post:
        for variable, value in {"TWIN_NAME": "twin", "INBOUND_TOKEN_SECRET": TOKEN_SECRET, **settings[name]}.items():
            monkeypatch.setenv(variable, value)
        sys.modules.pop(f"runtime.gcp.{name}", None)  # a cold start: the environment is read again
        client = functions_framework.create_app(target=name, source=str(BUNDLE_MAIN)).test_client()

        def post(body: bytes, token: str | None = TOKEN) -> tuple[int, Any]:
            headers = {} if token is None else {"X-Inter-Cloud-Token": token}
            response = client.post("/", data=body, headers=headers)
            return response.status_code, response.get_json(silent=True)

        return post

    return load


SHAPES = {
    "ingestion": (hostile_envelopes("L2"), near_valid_envelopes("L2")),
    "hot_writer": (hostile_envelopes("L3_hot"), near_valid_envelopes("L3_hot")),
    "cold_writer": (hostile_mover_payloads(), near_valid_mover_payloads()),
    "archive_writer": (hostile_mover_payloads(), near_valid_mover_payloads()),
    "hot_reader": (hostile_queries(), near_valid_queries()),
    "hot_reader_last_entry": (hostile_queries(), near_valid_queries()),
}


@pytest.mark.parametrize("door", SHAPES)
def test_no_body_makes_a_google_front_door_fail_with_a_5xx(front_doors, request, door: str) -> None:
    if door in ("cold_writer", "archive_writer"):
        request.getfixturevalue("storage_emulator").create_bucket(door.split("_")[0])
    post = front_doors(door)

    @fuzz_settings()
    @given(body=hostile_bodies(*SHAPES[door]))
    @with_poison_examples
    def check(body: bytes) -> None:
        assert_answer(*post(body), body, token_right=True)
        assert_answer(*post(body, WRONG), body, token_right=False)

    check()


@pytest.mark.parametrize("door", SHAPES)
def test_near_miss_tokens_get_401_where_the_token_gets_200(front_doors, request, door: str) -> None:
    if door in ("cold_writer", "archive_writer"):
        request.getfixturevalue("storage_emulator").create_bucket(door.split("_")[0])
    post, body = front_doors(door), valid_body(door)
    assert post(body)[0] == 200
    answers = {miss: post(body, token) for miss, token in NEAR_MISSES.items()}
    assert {miss: (status, (answer or {}).get("error", {}).get("code")) for miss, (status, answer) in answers.items()} == {
        miss: (401, "unauthorized") for miss in NEAR_MISSES}


def test_poison_bodies_get_400_from_the_hot_writer_and_401_without_the_token(front_doors, gcp_runtime) -> None:
    post = front_doors("hot_writer")
    answers = {name: (post(body), post(body, WRONG)[0]) for name, body in POISON.items()}
    refused = {name: (status, (answer or {}).get("error", {}).get("code"), wrong_token)
               for name, ((status, answer), wrong_token) in answers.items()}
    assert {name: (s, code in BAD_INPUT_CODES, w) for name, (s, code, w) in refused.items()} == {
        name: (400, True, 401) for name in POISON}, refused
    assert gcp_runtime.firestore.collection("hot-data").docs == {}


def test_the_hot_writer_stores_every_distinct_record_once_however_often_it_is_sent(front_doors, gcp_runtime) -> None:
    post = front_doors("hot_writer")

    @fuzz_settings(DELIVERY_EXAMPLES)
    @given(delivery=deliveries("L3_hot"))
    def check(delivery: Delivery) -> None:
        documents = gcp_runtime.firestore.collection("hot-data").docs
        documents.clear()
        for _ in range(delivery.replays):
            for envelope in delivery.envelopes:
                assert post(json.dumps(envelope).encode())[0] == 200
        stored = [from_document(document) for document in documents.values()]
        assert len(stored) == len(delivery.expected)
        assert {(r["device_id"], r["timestamp"], r["record_id"]) for r in stored} == delivery.expected

    check()


def test_the_ingestion_hands_every_record_on_with_one_identity_per_replay(front_doors, processor) -> None:
    post = front_doors("ingestion")

    @fuzz_settings(DELIVERY_EXAMPLES)
    @given(delivery=deliveries("L2"))
    def check(delivery: Delivery) -> None:
        processor.requests.clear()
        for _ in range(delivery.replays):
            for envelope in delivery.envelopes:
                assert post(json.dumps(envelope).encode())[0] == 200
        handed = [r for request in processor.requests for r in json.loads(request.body)]
        assert {(r["device_id"], r["timestamp"], r["record_id"]) for r in handed} == delivery.expected

    check()


@pytest.mark.parametrize(("door", "bucket"), [("cold_writer", "cold"), ("archive_writer", "archive")])
def test_mover_writers_store_each_record_once_however_often_a_move_is_sent(
    front_doors, storage_emulator, door: str, bucket: str
) -> None:
    storage_emulator.create_bucket(bucket)
    post = front_doors(door)

    @fuzz_settings(DELIVERY_EXAMPLES)
    @given(delivery=deliveries("L3_hot"), order=st.randoms(use_true_random=False))
    def check(delivery: Delivery, order: Any) -> None:
        for blob in storage_emulator.list_blobs(bucket):
            blob.delete()
        records = [{"device_id": d, "timestamp": t, "record_id": r} for d, t, r in sorted(delivery.expected)]
        payloads = [p.to_dict() for p in build_payloads(records, "fuzz")] * delivery.replays
        order.shuffle(payloads)
        for payload in payloads:
            assert post(json.dumps(payload).encode())[0] == 200
        blobs = list(storage_emulator.list_blobs(bucket))
        assert sorted(blob.name for blob in blobs) == sorted({payload["object_key"] for payload in payloads})
        stored = [r for blob in blobs for r in json.loads(blob.download_as_bytes())["records"]]
        assert sorted((r["device_id"], r["timestamp"], r["record_id"]) for r in stored) == sorted(delivery.expected)

    check()
