"""Property-based fuzzing of every AWS bridge receiver (Lambda Function URL handlers), in process
with moto: the exact status of the wire contract for every body with the right and a near-miss
token (tests/runtime/front_door_contract.py), never a stored duplicate (issues #11, #27)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runtime.aws import clients
from runtime.core.mover import build_payloads
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
from tests.runtime.runtime_testing import TOKEN, function_url_event

NEAR_MISSES = near_misses(TOKEN)
WRONG = NEAR_MISSES["last byte differs"]

COLD, ARCHIVE = "twin-cold", "twin-archive"


def call(handler: Callable[..., dict[str, Any]], body: bytes, token: str | None = TOKEN) -> tuple[int, Any]:
    response = handler(function_url_event(body, {} if token is None else {"X-Inter-Cloud-Token": token}))
    return response["statusCode"], json.loads(response["body"])


def stored_keys(table: str) -> set[tuple[str, str, str]]:
    items = clients.dynamodb_table(table).scan()["Items"]
    return {(item["device_id"], *item["timestamp"].split("#")) for item in items}


def empty(table: str) -> None:
    resource = clients.dynamodb_table(table)
    for item in resource.scan()["Items"]:
        resource.delete_item(Key={"device_id": item["device_id"], "timestamp": item["timestamp"]})


@pytest.fixture
def front_doors(load_handler, hot_table: str, token_secret: str, fake_lambda) -> Callable[[str], Callable[..., Any]]:
    """front_doors(name) -> the handler of that receiver, loaded (a cold start) on first use."""
    secret = {"INBOUND_TOKEN_SECRET": token_secret}
    settings = {
        "ingestion": {"PROCESSOR_FUNCTION_NAME": "twin-processor"},
        "hot_writer": {"HOT_TABLE_NAME": hot_table, "HOT_RETENTION_DAYS": 7},
        "cold_writer": {"COLD_BUCKET_NAME": COLD},
        "archive_writer": {"ARCHIVE_BUCKET_NAME": ARCHIVE},
        "hot_reader": {"HOT_TABLE_NAME": hot_table},
        "hot_reader_last_entry": {"HOT_TABLE_NAME": hot_table},
    }
    for bucket in (COLD, ARCHIVE):
        clients.client("s3").create_bucket(Bucket=bucket)
    return lambda name: load_handler(name, **settings[name], **secret).handler


SHAPES = {
    "ingestion": (hostile_envelopes("L2"), near_valid_envelopes("L2")),
    "hot_writer": (hostile_envelopes("L3_hot"), near_valid_envelopes("L3_hot")),
    "cold_writer": (hostile_mover_payloads(), near_valid_mover_payloads()),
    "archive_writer": (hostile_mover_payloads(), near_valid_mover_payloads()),
    "hot_reader": (hostile_queries(), near_valid_queries()),
    "hot_reader_last_entry": (hostile_queries(), near_valid_queries()),
}


@pytest.mark.parametrize("door", SHAPES)
def test_no_body_makes_an_aws_front_door_fail_with_a_5xx(front_doors, door: str) -> None:
    handler = front_doors(door)

    @fuzz_settings()
    @given(body=hostile_bodies(*SHAPES[door]))
    @with_poison_examples
    def check(body: bytes) -> None:
        assert_answer(*call(handler, body), body, token_right=True)
        assert_answer(*call(handler, body, WRONG), body, token_right=False)

    check()


@pytest.mark.parametrize("door", SHAPES)
def test_near_miss_tokens_get_401_where_the_token_gets_200(front_doors, door: str) -> None:
    handler, body = front_doors(door), valid_body(door)
    assert call(handler, body)[0] == 200
    answers = {miss: call(handler, body, token) for miss, token in NEAR_MISSES.items()}
    assert {miss: (status, (answer or {}).get("error", {}).get("code")) for miss, (status, answer) in answers.items()} == {
        miss: (401, "unauthorized") for miss in NEAR_MISSES}


def test_poison_bodies_get_400_from_the_hot_writer_and_401_without_the_token(front_doors, hot_table) -> None:
    handler = front_doors("hot_writer")
    answers = {name: (call(handler, body), call(handler, body, WRONG)[0]) for name, body in POISON.items()}
    refused = {name: (status, (answer or {}).get("error", {}).get("code"), wrong_token)
               for name, ((status, answer), wrong_token) in answers.items()}
    assert {name: (s, code in BAD_INPUT_CODES, w) for name, (s, code, w) in refused.items()} == {
        name: (400, True, 401) for name in POISON}, refused
    assert clients.dynamodb_table(hot_table).scan()["Items"] == []


def test_the_hot_writer_stores_every_distinct_record_once_however_often_it_is_sent(front_doors, hot_table) -> None:
    handler = front_doors("hot_writer")

    @fuzz_settings(DELIVERY_EXAMPLES)
    @given(delivery=deliveries("L3_hot"))
    def check(delivery: Delivery) -> None:
        empty(hot_table)
        for _ in range(delivery.replays):
            for envelope in delivery.envelopes:
                assert call(handler, json.dumps(envelope).encode())[0] == 200
        assert stored_keys(hot_table) == delivery.expected
        assert len(clients.dynamodb_table(hot_table).scan()["Items"]) == len(delivery.expected)

    check()


def test_the_ingestion_hands_every_record_on_with_one_identity_per_replay(front_doors, fake_lambda) -> None:
    handler = front_doors("ingestion")

    @fuzz_settings(DELIVERY_EXAMPLES)
    @given(delivery=deliveries("L2"))
    def check(delivery: Delivery) -> None:
        fake_lambda.calls.clear()
        for _ in range(delivery.replays):
            for envelope in delivery.envelopes:
                assert call(handler, json.dumps(envelope).encode())[0] == 200
        handed = [r for _, _, event in fake_lambda.calls for r in event]
        assert {(r["device_id"], r["timestamp"], r["record_id"]) for r in handed} == delivery.expected

    check()


@pytest.mark.parametrize(("door", "bucket"), [("cold_writer", COLD), ("archive_writer", ARCHIVE)])
def test_mover_writers_store_each_record_once_however_often_a_move_is_sent(front_doors, door, bucket) -> None:
    s3, handler = clients.client("s3"), front_doors(door)

    @fuzz_settings(DELIVERY_EXAMPLES)
    @given(delivery=deliveries("L3_hot"), order=st.randoms(use_true_random=False))
    def check(delivery: Delivery, order: Any) -> None:
        for entry in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
            s3.delete_object(Bucket=bucket, Key=entry["Key"])
        records = [{"device_id": d, "timestamp": t, "record_id": r} for d, t, r in sorted(delivery.expected)]
        payloads = [p.to_dict() for p in build_payloads(records, "fuzz")] * delivery.replays
        order.shuffle(payloads)
        for payload in payloads:
            assert call(handler, json.dumps(payload).encode())[0] == 200
        keys = [entry["Key"] for entry in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
        assert sorted(keys) == sorted({payload["object_key"] for payload in payloads})  # one object per move
        if door == "cold_writer":  # (archive objects cannot be read back: DEEP_ARCHIVE)
            stored = [r for key in keys for r in json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())["records"]]
            assert sorted((r["device_id"], r["timestamp"], r["record_id"]) for r in stored) == sorted(delivery.expected)

    check()
