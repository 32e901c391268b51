import pytest

from runtime.core.reader import LatestQuery, RangeQuery, ReaderQueryError
from tests.runtime.memory_hot_store import InMemoryHotStore
from tests.runtime.runtime_testing import record

QUERY = {
    "device_id": "d1",
    "properties": ["temperature"],
    "start_time": "2026-01-01T00:00:00Z",
    "end_time": "2026-01-01T23:59:59Z",
}


@pytest.fixture
def store() -> InMemoryHotStore:
    store = InMemoryHotStore()
    store.put([record(second=s, temperature=20 + s, humidity=50) for s in range(5)] + [record("d2", 1, temperature=0)])
    return store


def test_range_query_round_trips_with_defaults_filled() -> None:
    query = RangeQuery.from_dict(QUERY)
    assert query.start_time == "2026-01-01T00:00:00.000Z"
    assert (query.max_results, query.next_token, query.order) == (100, None, "ASCENDING")
    assert RangeQuery.from_dict(query.to_dict()) == query


def test_range_answer_projects_the_requested_properties(store: InMemoryHotStore) -> None:
    answer = RangeQuery.from_dict({**QUERY, "max_results": 2}).answer(store)
    assert answer["items"] == [
        {"timestamp": "2026-01-01T10:00:00.000Z", "values": {"temperature": 20}},
        {"timestamp": "2026-01-01T10:00:01.000Z", "values": {"temperature": 21}},
    ]
    assert answer["next_token"]


def test_range_answer_pages_and_orders(store: InMemoryHotStore) -> None:
    query, seen = {**QUERY, "max_results": 2, "order": "DESCENDING"}, []
    while True:
        answer = RangeQuery.from_dict(query).answer(store)
        seen += [item["values"]["temperature"] for item in answer["items"]]
        if not answer["next_token"]:
            break
        query["next_token"] = answer["next_token"]
    assert seen == [24, 23, 22, 21, 20]


def test_range_answer_for_an_empty_window(store: InMemoryHotStore) -> None:
    query = {**QUERY, "start_time": "2025-01-01T00:00:00Z", "end_time": "2025-01-02T00:00:00Z"}
    assert RangeQuery.from_dict(query).answer(store) == {"items": [], "next_token": None}


def test_latest_answer(store: InMemoryHotStore) -> None:
    answer = LatestQuery.from_dict({"device_id": "d1", "properties": ["humidity", "missing"]}).answer(store)
    assert answer == {"timestamp": "2026-01-01T10:00:04.000Z", "values": {"humidity": 50}}
    assert LatestQuery.from_dict({"device_id": "nobody", "properties": ["x"]}).answer(store) == {}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"device_id": None}, "missing device_id"),
        ({"properties": "temperature"}, "properties must be a list"),
        ({"start_time": "soon"}, "start_time"),
        ({"start_time": "2026-02-01T00:00:00Z"}, "after end_time"),
        ({"max_results": 0}, "max_results"),
        ({"max_results": 5000}, "max_results"),
        ({"order": "RANDOM"}, "order"),
        ({"next_token": 5}, "next_token"),
        ({"device_id": "a b"}, "device id"),
    ],
)
def test_invalid_range_queries_are_rejected(change: dict, message: str) -> None:
    with pytest.raises(ReaderQueryError, match=message):
        RangeQuery.from_dict({**QUERY, **change})


def test_query_must_be_an_object() -> None:
    with pytest.raises(ReaderQueryError, match="JSON object"):
        LatestQuery.from_dict(["d1"])
