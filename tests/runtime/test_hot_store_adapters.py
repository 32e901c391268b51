"""The HotStore contract against each adapter available on this side of the runtime."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.aws import clients
from runtime.aws.dynamodb_store import DynamoHotStore
from tests.runtime.hot_store_contract import HotStoreContract
from tests.runtime.memory_hot_store import InMemoryHotStore


class TestInMemoryHotStore(HotStoreContract):
    @pytest.fixture
    def store(self) -> InMemoryHotStore:
        return InMemoryHotStore()


class TestDynamoHotStore(HotStoreContract):
    @pytest.fixture
    def store(self, hot_table: str) -> DynamoHotStore:
        return DynamoHotStore(hot_table, retention_days=30)


def test_dynamo_items_carry_a_ttl_of_timestamp_plus_retention(hot_table: str, aws: Any) -> None:
    DynamoHotStore(hot_table, retention_days=2).put([{"device_id": "d1", "timestamp": "2026-01-01T00:00:00.000Z"}])
    item = clients.dynamodb_table(hot_table).get_item(Key={"device_id": "d1", "timestamp": "2026-01-01T00:00:00.000Z"})
    assert int(item["Item"]["ttl"]) == 1767225600 + 2 * 86400
