"""The HotStore contract against each adapter available on this side of the runtime."""

from __future__ import annotations

from typing import Any

import pytest

import uuid

from runtime.aws import clients
from runtime.aws.dynamodb_store import DynamoHotStore, ItemError
from runtime.core.errors import InvalidInput
from tests.runtime.hot_store_contract import HotStoreContract
from tests.runtime.memory_hot_store import InMemoryHotStore

NAMESPACE = uuid.UUID("1cb9fecd-413c-4951-a5f3-8620f77205c5")  # the contract's record id namespace


class TestInMemoryHotStore(HotStoreContract):
    @pytest.fixture
    def store(self) -> InMemoryHotStore:
        return InMemoryHotStore()


class TestDynamoHotStore(HotStoreContract):
    @pytest.fixture
    def store(self, hot_table: str) -> DynamoHotStore:
        return DynamoHotStore(hot_table, retention_days=30)


RID = "0123456789abcdef" * 2


def test_dynamo_items_are_keyed_by_time_and_record_id_with_a_ttl(hot_table: str, aws: Any) -> None:
    record = {"device_id": "d1", "timestamp": "2026-01-01T00:00:00.000Z", "record_id": RID}
    DynamoHotStore(hot_table, retention_days=2).put([record])
    key = {"device_id": "d1", "timestamp": f"2026-01-01T00:00:00.000Z#{RID}"}  # the contract's storage key
    item = clients.dynamodb_table(hot_table).get_item(Key=key)["Item"]
    assert int(item["ttl"]) == 1767225600 + 2 * 86400 and item["record_id"] == RID


def test_dynamo_items_written_before_record_ids_read_back_with_their_old_identity(hot_table: str, aws: Any) -> None:
    clients.dynamodb_table(hot_table).put_item(
        Item={"device_id": "d1", "timestamp": "2026-01-01T10:00:00.000Z", "temperature": 20}
    )
    store = DynamoHotStore(hot_table, retention_days=2)
    legacy = uuid.uuid5(NAMESPACE, "d1:2026-01-01T10:00:00.000Z").hex  # docs/runtime-contract.md
    expected = {"device_id": "d1", "timestamp": "2026-01-01T10:00:00.000Z", "record_id": legacy, "temperature": 20}
    assert store.latest("d1") == expected
    assert store.query_range("d1", "2026-01-01T10:00:00.000Z", "2026-01-01T10:00:00.000Z", 10, None, True).records == [
        expected
    ]


@pytest.mark.parametrize(
    ("value", "reason"),
    [(1e200, "DynamoDB cannot hold"), ("x" * (400 * 1024), "more than 409600")],
)
def test_dynamo_refuses_items_it_cannot_hold_as_bad_input_before_writing_any(
    hot_table: str, aws: Any, value: Any, reason: str
) -> None:
    """The store's own guard (runtime.core.limits refuses such records before they get here)."""
    good = {"device_id": "d1", "timestamp": "2026-01-01T00:00:00.000Z", "record_id": RID}
    with pytest.raises(ItemError, match=reason) as refused:
        DynamoHotStore(hot_table, retention_days=2).put([good, {**good, "record_id": "1" * 32, "v": value}])
    assert isinstance(refused.value, InvalidInput)
    assert clients.dynamodb_table(hot_table).scan()["Items"] == []
