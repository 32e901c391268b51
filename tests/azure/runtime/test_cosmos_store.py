"""The Cosmos DB hot store passes the same HotStore contract as the DynamoDB adapter."""

from __future__ import annotations

import time
import uuid

import pytest
from tests.runtime.hot_store_contract import HotStoreContract

from runtime.azure.cosmos_store import CosmosHotStore, CosmosQuery
from tests.azure.runtime.memory_cosmos import InMemoryCosmosContainer


class TestCosmosHotStore(HotStoreContract):
    @pytest.fixture
    def store(self) -> CosmosHotStore:
        return CosmosHotStore(InMemoryCosmosContainer(), retention_days=30)


RID = "0123456789abcdef" * 2


def test_items_are_keyed_per_device_time_and_record_id_with_a_ttl_from_the_record():
    container = InMemoryCosmosContainer()
    record = {"device_id": "d1", "timestamp": "2026-01-01T00:00:00.000Z", "record_id": RID, "t": 1}
    CosmosHotStore(container, retention_days=2).put([record])
    CosmosHotStore(container, retention_days=2).put([record])  # a replay
    (item,) = container.items.values()
    assert item["id"] == f"d1_2026-01-01T00:00:00.000Z_{RID}"  # Cosmos ids may not hold '#'
    assert item["timestamp"] == f"2026-01-01T00:00:00.000Z#{RID}"  # the storage key, on the indexed field
    expected = 1767225600 + 2 * 86400 + 2 * 86400 - time.time()
    assert abs(item["ttl"] - max(1, expected)) < 5


def test_a_far_future_record_gets_the_largest_ttl_cosmos_accepts():
    container = InMemoryCosmosContainer()
    CosmosHotStore(container, retention_days=2).put([{"device_id": "d1", "timestamp": "9999-12-31T00:00:00.000Z",
                                                      "record_id": RID}])
    (item,) = container.items.values()
    assert item["ttl"] == 2**31 - 1


def test_items_written_before_record_ids_read_back_and_are_removed_by_the_mover():
    container = InMemoryCosmosContainer()
    container.upsert({"id": "d1_2026-01-01T00:00:00.000Z", "device_id": "d1", "timestamp": "2026-01-01T00:00:00.000Z",
                      "t": 1})
    store = CosmosHotStore(container, retention_days=30)
    legacy = uuid.uuid5(uuid.UUID("1cb9fecd-413c-4951-a5f3-8620f77205c5"), "d1:2026-01-01T00:00:00.000Z").hex
    (record,) = store.expired("2026-01-02T00:00:00.000Z")
    assert record == {"device_id": "d1", "timestamp": "2026-01-01T00:00:00.000Z", "record_id": legacy, "t": 1}
    store.remove([record])
    assert container.items == {}


def test_range_query_sql_is_single_partition_keyset_paged():
    sql, parameters = CosmosQuery("d1", "a", "b", after="x", ascending=False, limit=11).sql()
    assert sql == ("SELECT TOP 11 * FROM c WHERE c.device_id = @device AND c.timestamp >= @start AND "
                   "c.timestamp <= @end AND c.timestamp < @after ORDER BY c.timestamp DESC")
    assert {p["name"]: p["value"] for p in parameters} == {"@device": "d1", "@start": "a", "@end": "b", "@after": "x"}


def test_mover_reads_expired_records_across_devices_and_removes_them():
    store = CosmosHotStore(InMemoryCosmosContainer(), retention_days=30)
    store.put([{"device_id": d, "timestamp": f"2026-01-0{day}T00:00:00.000Z", "record_id": RID}
               for d in ("a", "b") for day in (1, 5)])
    old = store.expired("2026-01-03T00:00:00.000Z")
    assert sorted(r["device_id"] for r in old) == ["a", "b"] and "ttl" not in old[0] and "id" not in old[0]
    store.remove(old)
    assert store.expired("2026-01-09T00:00:00.000Z") and not store.expired("2026-01-03T00:00:00.000Z")
