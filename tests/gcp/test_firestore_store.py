"""The hot-store contract (the same suite as DynamoDB's) against the Firestore adapter."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest

from runtime.gcp.firestore_store import TTL_GRACE_DAYS, FirestoreHotStore
from tests.gcp.fake_firestore import FakeFirestore
from tests.runtime.hot_store_contract import HotStoreContract


class TestFirestoreHotStore(HotStoreContract):
    @pytest.fixture
    def store(self) -> FirestoreHotStore:
        return FirestoreHotStore(FakeFirestore(), "hot-data", retention_days=30)


RID = "0123456789abcdef" * 2


def test_documents_are_keyed_by_device_time_and_record_id_and_carry_a_ttl_timestamp() -> None:
    client = FakeFirestore()
    record = {"device_id": "d1", "timestamp": "2026-01-01T00:00:00.000Z", "record_id": RID, "t": 1}
    FirestoreHotStore(client, "hot-data", retention_days=2).put([record])
    FirestoreHotStore(client, "hot-data", retention_days=2).put([record])  # a replay
    [(doc_id, data)] = client.collection("hot-data").docs.items()
    assert doc_id == f"d1_2026-01-01T00:00:00.000Z_{RID}"
    assert data["timestamp"] == f"2026-01-01T00:00:00.000Z#{RID}"  # the storage key, on the indexed field
    assert data["ttl"] == datetime(2026, 1, 3 + TTL_GRACE_DAYS, tzinfo=timezone.utc)


def test_a_record_of_the_last_possible_day_gets_the_latest_ttl_instead_of_an_overflow() -> None:
    client = FakeFirestore()
    FirestoreHotStore(client, "hot-data", retention_days=30).put(
        [{"device_id": "d1", "timestamp": "9999-12-31T00:00:00.000Z", "record_id": RID}])
    [data] = client.collection("hot-data").docs.values()
    assert data["ttl"] == datetime.max.replace(tzinfo=timezone.utc)


def test_documents_written_before_record_ids_read_back_and_are_deleted_by_the_mover() -> None:
    client = FakeFirestore()
    client.collection("hot-data").document("d1_2026-01-01T00:00:00.000Z").set(
        {"device_id": "d1", "timestamp": "2026-01-01T00:00:00.000Z", "t": 1})
    store = FirestoreHotStore(client, "hot-data", retention_days=1)
    legacy = uuid.uuid5(uuid.UUID("1cb9fecd-413c-4951-a5f3-8620f77205c5"), "d1:2026-01-01T00:00:00.000Z").hex
    (record,) = store.older_than("2026-01-02T00:00:00.000Z", 10)
    assert record == {"device_id": "d1", "timestamp": "2026-01-01T00:00:00.000Z", "record_id": legacy, "t": 1}
    store.delete([record])
    assert client.collection("hot-data").docs == {}


def test_range_query_is_device_equality_plus_time_range_ordered_by_time() -> None:
    client = FakeFirestore()
    store = FirestoreHotStore(client, "hot-data", retention_days=1)
    store.query_range("d1", "2026-01-01T00:00:00.000Z", "2026-01-02T00:00:00.000Z", 10, None, False)
    query = client.queries[-1]
    assert query.filters == (
        ("device_id", "==", "d1"),
        ("timestamp", ">=", "2026-01-01T00:00:00.000Z"),
        ("timestamp", "<=", "2026-01-02T00:00:00.000Z#~"),  # every storage key of the end's millisecond
    )
    assert query.order == ("timestamp", "DESCENDING") and query.limit_value == 11


def test_older_than_and_delete_serve_the_mover() -> None:
    client = FakeFirestore()
    store = FirestoreHotStore(client, "hot-data", retention_days=1)
    store.put([{"device_id": d, "timestamp": f"2026-01-0{day}T00:00:00.000Z", "record_id": RID}
               for d in ("a", "b") for day in (1, 2, 3)])
    old = store.older_than("2026-01-03T00:00:00.000Z", 100)
    assert [(r["device_id"], r["timestamp"][:10]) for r in old] == [
        ("a", "2026-01-01"), ("b", "2026-01-01"), ("a", "2026-01-02"), ("b", "2026-01-02"),
    ]
    store.delete(old)
    assert len(client.collection("hot-data").docs) == 2
