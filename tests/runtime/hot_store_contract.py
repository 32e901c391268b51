"""The behaviour every HotStore adapter must show (DynamoDB, Cosmos DB, Firestore, in-memory).

Subclass `HotStoreContract` (from `tests.runtime.hot_store_contract`) in a `test_*.py` module
and give it a `store` fixture that returns an empty store; every test below then runs against
that adapter.
"""

from __future__ import annotations

from typing import Any

import pytest

from runtime.core.reader import HotStore, ReaderQueryError, encode_cursor
from tests.runtime.runtime_testing import record_id

START, END = "2026-01-01T00:00:00.000Z", "2026-01-01T23:59:59.999Z"
# Two readings of one device in the same millisecond: ids in ascending order.
TWIN_A, TWIN_B = "0" * 31 + "a", "f" * 31 + "b"


def stamp(second: int) -> str:
    return f"2026-01-01T10:00:{second:02d}.000Z"


def records(device_id: str, seconds: range, **values: Any) -> list[dict[str, Any]]:
    return [
        {"device_id": device_id, "timestamp": stamp(s), "record_id": record_id(device_id, s), "temperature": 20.0 + s,
         **values}
        for s in seconds
    ]


def reading(second: int, rid: str, **values: Any) -> dict[str, Any]:
    return {"device_id": "d1", "timestamp": stamp(second), "record_id": rid, **values}


def read_all(store: HotStore, device_id: str, limit: int, ascending: bool = True) -> list[dict[str, Any]]:
    collected, cursor = [], None
    while True:
        page = store.query_range(device_id, START, END, limit, cursor, ascending)
        collected += page.records
        if page.cursor is None:
            return collected
        cursor = page.cursor


class HotStoreContract:
    @pytest.fixture
    def store(self) -> HotStore:
        raise NotImplementedError("subclasses provide an empty store")

    def test_latest_returns_the_newest_record(self, store: HotStore) -> None:
        store.put(records("d1", range(3)))
        assert store.latest("d1") == records("d1", range(2, 3))[0]

    def test_latest_of_unknown_device_is_none(self, store: HotStore) -> None:
        store.put(records("d1", range(1)))
        assert store.latest("other") is None

    def test_range_is_inclusive_and_per_device(self, store: HotStore) -> None:
        store.put(records("d1", range(5)) + records("d2", range(5)))
        page = store.query_range("d1", stamp(1), stamp(3), 100, None, True)
        assert [r["timestamp"] for r in page.records] == [stamp(1), stamp(2), stamp(3)]
        assert {r["device_id"] for r in page.records} == {"d1"}
        assert page.cursor is None

    def test_range_orders_by_time_both_ways(self, store: HotStore) -> None:
        store.put(list(reversed(records("d1", range(4)))))
        ascending = store.query_range("d1", START, END, 100, None, True).records
        descending = store.query_range("d1", START, END, 100, None, False).records
        assert [r["timestamp"] for r in ascending] == [stamp(s) for s in range(4)]
        assert descending == list(reversed(ascending))

    @pytest.mark.parametrize("ascending", [True, False])
    def test_cursor_pages_through_everything_once(self, store: HotStore, ascending: bool) -> None:
        store.put(records("d1", range(7)))
        collected = read_all(store, "d1", limit=3, ascending=ascending)
        assert collected == sorted(records("d1", range(7)), key=lambda r: r["timestamp"], reverse=not ascending)

    def test_first_page_respects_the_limit_and_returns_a_cursor(self, store: HotStore) -> None:
        store.put(records("d1", range(5)))
        page = store.query_range("d1", START, END, 2, None, True)
        assert len(page.records) == 2 and isinstance(page.cursor, str)

    def test_put_with_the_same_key_overwrites(self, store: HotStore) -> None:
        store.put(records("d1", range(2)))
        store.put(records("d1", range(1, 2), temperature=99.5))
        assert [r["temperature"] for r in read_all(store, "d1", limit=100)] == [20.0, 99.5]

    def test_values_keep_their_json_types(self, store: HotStore) -> None:
        value = {
            "device_id": "d1",
            "timestamp": stamp(0),
            "record_id": TWIN_A,
            "count": 7,
            "ratio": 0.25,
            "on": True,
            "label": "x",
            "nested": {"a": [1, 2.5]},
        }
        store.put([value])
        assert store.latest("d1") == value

    def test_empty_range_has_no_records_and_no_cursor(self, store: HotStore) -> None:
        page = store.query_range("d1", START, END, 10, None, True)
        assert page.records == [] and page.cursor is None

    @pytest.mark.parametrize("cursor", ["%%%not-base64", encode_cursor({"device_id": "d2", "timestamp": stamp(1)})])
    def test_a_foreign_cursor_is_rejected(self, store: HotStore, cursor: str) -> None:
        store.put(records("d1", range(3)))
        with pytest.raises(ReaderQueryError):
            store.query_range("d1", START, END, 10, cursor, True)

    def test_a_replayed_put_stores_nothing_twice(self, store: HotStore) -> None:
        batch = records("d1", range(3))
        for _ in range(3):
            store.put(batch)
        assert read_all(store, "d1", limit=100) == batch

    def test_readings_of_the_same_millisecond_both_survive_in_key_order(self, store: HotStore) -> None:
        store.put([reading(1, TWIN_B, v=2), reading(1, TWIN_A, v=1), reading(0, TWIN_B, v=0)])
        ascending = read_all(store, "d1", limit=100)
        assert [(r["timestamp"], r["record_id"], r["v"]) for r in ascending] == [
            (stamp(0), TWIN_B, 0), (stamp(1), TWIN_A, 1), (stamp(1), TWIN_B, 2)]
        assert read_all(store, "d1", limit=100, ascending=False) == list(reversed(ascending))
        assert store.latest("d1") == reading(1, TWIN_B, v=2)

    @pytest.mark.parametrize("ascending", [True, False])
    def test_pages_split_between_readings_of_one_millisecond_lose_none(self, store: HotStore, ascending: bool) -> None:
        same = [reading(5, f"{n:032x}", n=n) for n in range(5)]
        store.put(same)
        assert read_all(store, "d1", limit=2, ascending=ascending) == (same if ascending else same[::-1])

    def test_a_range_ending_on_a_reading_includes_every_reading_of_that_millisecond(self, store: HotStore) -> None:
        store.put([reading(3, TWIN_A), reading(3, TWIN_B), reading(4, TWIN_A)])
        page = store.query_range("d1", stamp(1), stamp(3), 100, None, True)
        assert [r["record_id"] for r in page.records] == [TWIN_A, TWIN_B]

    def test_a_cursor_outside_the_queried_range_is_rejected(self, store: HotStore) -> None:
        store.put(records("d1", range(6)))
        first = store.query_range("d1", stamp(0), stamp(5), 2, None, True)
        with pytest.raises(ReaderQueryError):
            store.query_range("d1", stamp(4), stamp(5), 2, first.cursor, True)
