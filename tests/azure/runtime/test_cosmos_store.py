"""The Cosmos DB hot store passes the same HotStore contract as the DynamoDB adapter."""

from __future__ import annotations

import time

import pytest
from tests.runtime.hot_store_contract import HotStoreContract

from runtime.azure.cosmos_store import CosmosHotStore, CosmosQuery, item_id
from tests.azure.runtime.memory_cosmos import InMemoryCosmosContainer


class TestCosmosHotStore(HotStoreContract):
    @pytest.fixture
    def store(self) -> CosmosHotStore:
        return CosmosHotStore(InMemoryCosmosContainer(), retention_days=30)


def test_items_are_keyed_per_device_and_time_with_a_ttl_from_the_record():
    container = InMemoryCosmosContainer()
    record = {"device_id": "d1", "timestamp": "2026-01-01T00:00:00.000Z", "t": 1}
    CosmosHotStore(container, retention_days=2).put([record])
    item = container.items[("d1", item_id(record))]
    assert item["id"] == "d1_2026-01-01T00:00:00.000Z"
    expected = 1767225600 + 2 * 86400 + 2 * 86400 - time.time()
    assert abs(item["ttl"] - max(1, expected)) < 5


def test_range_query_sql_is_single_partition_keyset_paged():
    sql, parameters = CosmosQuery("d1", "a", "b", after="x", ascending=False, limit=11).sql()
    assert sql == ("SELECT TOP 11 * FROM c WHERE c.device_id = @device AND c.timestamp >= @start AND "
                   "c.timestamp <= @end AND c.timestamp < @after ORDER BY c.timestamp DESC")
    assert {p["name"]: p["value"] for p in parameters} == {"@device": "d1", "@start": "a", "@end": "b", "@after": "x"}


def test_mover_reads_expired_records_across_devices_and_removes_them():
    store = CosmosHotStore(InMemoryCosmosContainer(), retention_days=30)
    store.put([{"device_id": d, "timestamp": f"2026-01-0{day}T00:00:00.000Z"} for d in ("a", "b") for day in (1, 5)])
    old = store.expired("2026-01-03T00:00:00.000Z")
    assert sorted(r["device_id"] for r in old) == ["a", "b"] and "ttl" not in old[0] and "id" not in old[0]
    store.remove(old)
    assert store.expired("2026-01-09T00:00:00.000Z") and not store.expired("2026-01-03T00:00:00.000Z")
