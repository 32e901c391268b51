"""Property-based fuzzing of every Azure bridge receiver (HTTP functions, called with
azure.functions request objects against the fake data plane): the exact status of the wire
contract for every body with the right and a near-miss token (tests/runtime/front_door_contract.py),
never a stored duplicate (issues #11, #27)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import azure.functions as func
import pytest
from hypothesis import given
from hypothesis import strategies as st

from runtime.azure.cosmos_store import CosmosHotStore, from_item
from runtime.core.mover import build_payloads
from tests.azure.runtime.conftest import TOKEN
from tests.azure.runtime.memory_cosmos import InMemoryCosmosContainer
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



class MemoryBlobs:
    """The blob container of a mover writer, in memory (Azurite runs in tests/azure/runtime/test_azurite_blobs.py)."""

    def __init__(self) -> None:
        self.blobs: dict[str, tuple[Any, str]] = {}

    def put_json(self, name: str, document: Any, tier: str) -> None:
        self.blobs[name] = (json.loads(json.dumps(document)), tier)


def request(body: bytes, token: str | None = TOKEN) -> func.HttpRequest:
    headers = {} if token is None else {"X-Inter-Cloud-Token": token}
    return func.HttpRequest("POST", "https://app/api/x", headers=headers, body=body)


def call(function: Callable[[func.HttpRequest], func.HttpResponse], body: bytes, token: str | None = TOKEN) -> tuple[int, Any]:
    response = function(request(body, token))
    return response.status_code, json.loads(response.get_body())


@pytest.fixture
def reader_remote() -> LoopbackServer:
    """The hot reader on another cloud that the DT Data Connector forwards to."""
    server = LoopbackServer(lambda r: json_reply(200, {"items": [], "next_token": None})).start()
    yield server
    server.stop()


@pytest.fixture
def front_doors(load_function, fake_azure, reader_remote) -> Callable[[str], Callable[..., func.HttpResponse]]:
    """front_doors(name) -> the HTTP function of that receiver, its stores in memory or on the fake."""
    cosmos = {"COSMOS_ENDPOINT": "https://c", "COSMOS_DATABASE": "twin", "COSMOS_CONTAINER": "hot"}
    fake_azure.secrets["reader-token"] = "bridge-secret"

    def load(name: str) -> Callable[..., func.HttpResponse]:
        if name == "ingestion":
            return load_function("ingestion", INBOUND_TOKEN_SECRET="inbound-token",
                                 PROCESSOR_QUEUE_URL=fake_azure.queue_url("processor")).ingest
        if name == "hot_writer":
            module = load_function("hot_writer", WRITER_TOKEN_SECRET="inbound-token", HOT_RETENTION_DAYS=30, **cosmos)
            module.STORE._container = InMemoryCosmosContainer()
            return module.write
        if name == "adt_updater":
            from runtime.azure.digital_twins import TwinUpdater
            from runtime.core.envelope import records_receiver
            from twin_contract.wire import TWIN_UPDATE_LAYER

            module = load_function("adt_updater", UPDATER_TOKEN_SECRET="inbound-token", ADT_URL="https://adt.example")
            module._receive = records_receiver(TWIN_UPDATE_LAYER, TwinUpdater(fake_azure.url).update)  # loopback
            return module.update
        if name in ("cold_writer", "archive_writer"):
            variable = "COLD_CONTAINER_URL" if name == "cold_writer" else "ARCHIVE_CONTAINER_URL"
            module = load_function(name, INBOUND_TOKEN_SECRET="inbound-token", **{variable: "https://blob/c"})
            module.writer.container = MemoryBlobs()
            return module.writer.handle
        if name in ("hot_reader", "hot_reader_last_entry"):
            module = load_function("hot_reader", INBOUND_TOKEN_SECRET="inbound-token", **cosmos)
            module.STORE = CosmosHotStore(InMemoryCosmosContainer(), 30)
            return module.read_range if name == "hot_reader" else module.read_latest
        module = load_function("dt_data_connector", INBOUND_TOKEN_SECRET="inbound-token", REMOTE_URL=reader_remote.url,
                               REMOTE_LAST_ENTRY_URL=reader_remote.url, REMOTE_TOKEN_SECRET="reader-token")
        return module.forward_range if name == "dt_data_connector" else module.forward_latest

    return load


SHAPES = {
    "ingestion": (hostile_envelopes("L2"), near_valid_envelopes("L2")),
    "hot_writer": (hostile_envelopes("L3_hot"), near_valid_envelopes("L3_hot")),
    "adt_updater": (hostile_envelopes("L4"), near_valid_envelopes("L4")),
    "cold_writer": (hostile_mover_payloads(), near_valid_mover_payloads()),
    "archive_writer": (hostile_mover_payloads(), near_valid_mover_payloads()),
    "hot_reader": (hostile_queries(), near_valid_queries()),
    "hot_reader_last_entry": (hostile_queries(), near_valid_queries()),
    "dt_data_connector": (hostile_queries(), near_valid_queries()),
    "dt_data_connector_last_entry": (hostile_queries(), near_valid_queries()),
}


@pytest.mark.parametrize("door", SHAPES)
def test_no_body_makes_an_azure_front_door_fail_with_a_5xx(front_doors, door: str) -> None:
    function = front_doors(door)

    @fuzz_settings()
    @given(body=hostile_bodies(*SHAPES[door]))
    @with_poison_examples
    def check(body: bytes) -> None:
        assert_answer(*call(function, body), body, token_right=True)
        assert_answer(*call(function, body, WRONG), body, token_right=False)

    check()


@pytest.mark.parametrize("door", SHAPES)
def test_near_miss_tokens_get_401_where_the_token_gets_200(front_doors, door: str) -> None:
    function, body = front_doors(door), valid_body(door)
    assert call(function, body)[0] == 200
    answers = {miss: call(function, body, token) for miss, token in NEAR_MISSES.items()}
    assert {miss: (status, (answer or {}).get("error", {}).get("code")) for miss, (status, answer) in answers.items()} == {
        miss: (401, "unauthorized") for miss in NEAR_MISSES}


def test_poison_bodies_get_400_from_the_hot_writer_and_401_without_the_token(front_doors) -> None:
    function = front_doors("hot_writer")
    from runtime.azure.functions import hot_writer

    answers = {name: (call(function, body), call(function, body, WRONG)[0]) for name, body in POISON.items()}
    refused = {name: (status, (answer or {}).get("error", {}).get("code"), wrong_token)
               for name, ((status, answer), wrong_token) in answers.items()}
    assert {name: (s, code in BAD_INPUT_CODES, w) for name, (s, code, w) in refused.items()} == {
        name: (400, True, 401) for name in POISON}, refused
    assert hot_writer.STORE._container.items == {}


def test_the_hot_writer_stores_every_distinct_record_once_however_often_it_is_sent(front_doors) -> None:
    function = front_doors("hot_writer")
    from runtime.azure.functions import hot_writer

    @fuzz_settings(DELIVERY_EXAMPLES)
    @given(delivery=deliveries("L3_hot"))
    def check(delivery: Delivery) -> None:
        container = hot_writer.STORE._container = InMemoryCosmosContainer()
        for _ in range(delivery.replays):
            for envelope in delivery.envelopes:
                assert call(function, json.dumps(envelope).encode())[0] == 200
        stored = [from_item(item) for item in container.items.values()]
        assert len(stored) == len(delivery.expected)
        assert {(r["device_id"], r["timestamp"], r["record_id"]) for r in stored} == delivery.expected

    check()


def test_the_ingestion_queues_every_record_with_one_identity_per_replay(front_doors, fake_azure) -> None:
    function = front_doors("ingestion")

    @fuzz_settings(DELIVERY_EXAMPLES)
    @given(delivery=deliveries("L2"))
    def check(delivery: Delivery) -> None:
        fake_azure.queues.clear()
        for _ in range(delivery.replays):
            for envelope in delivery.envelopes:
                assert call(function, json.dumps(envelope).encode())[0] == 200
        queued = [r for message in fake_azure.queues["processor"] for r in message]
        assert {(r["device_id"], r["timestamp"], r["record_id"]) for r in queued} == delivery.expected

    check()


@pytest.mark.parametrize("door", ["cold_writer", "archive_writer"])
def test_mover_writers_store_each_record_once_however_often_a_move_is_sent(front_doors, door: str) -> None:
    function = front_doors(door)
    module = __import__(f"runtime.azure.functions.{door}", fromlist=["writer"])

    @fuzz_settings(DELIVERY_EXAMPLES)
    @given(delivery=deliveries("L3_hot"), order=st.randoms(use_true_random=False))
    def check(delivery: Delivery, order: Any) -> None:
        blobs = module.writer.container = MemoryBlobs()
        records = [{"device_id": d, "timestamp": t, "record_id": r} for d, t, r in sorted(delivery.expected)]
        payloads = [p.to_dict() for p in build_payloads(records, "fuzz")] * delivery.replays
        order.shuffle(payloads)
        for payload in payloads:
            assert call(function, json.dumps(payload).encode())[0] == 200
        assert sorted(blobs.blobs) == sorted({payload["object_key"] for payload in payloads})
        stored = [r for document, _ in blobs.blobs.values() for r in document["records"]]
        assert sorted((r["device_id"], r["timestamp"], r["record_id"]) for r in stored) == sorted(delivery.expected)

    check()
