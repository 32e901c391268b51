import json

import pytest

from runtime.core import mover
from runtime.core.mover import MoverPayloadError, build_payloads, object_key, parse_payload, stored_payloads
from tests.runtime.runtime_testing import cold_object_key, record, record_id


def test_object_key_layout() -> None:
    key = object_key("d1", "2026-01-02T03:04:05.678Z", "2026-01-02T23:59:59.000Z", 42, "0123456789abcdef")
    assert key == "d1/2026/01/02/20260102T030405678Z_20260102T235959000Z_42_0123456789abcdef.json"


def test_payloads_group_per_device_and_day() -> None:
    late = {"device_id": "d1", "timestamp": "2026-01-02T00:00:01.000Z", "record_id": record_id("late"), "t": 3}
    payloads = build_payloads([record("d2", 5, t=9), late, record("d1", 2, t=2), record("d1", 1, t=1)], "aws")
    assert [(p.device_id, len(p.records)) for p in payloads] == [("d1", 2), ("d1", 1), ("d2", 1)]
    first = payloads[0].to_dict()
    assert first == {
        "schema": "dt.mover.v1",
        "source_cloud": "aws",
        "device_id": "d1",
        "start_timestamp": "2026-01-01T10:00:01.000Z",
        "end_timestamp": "2026-01-01T10:00:02.000Z",
        "object_key": cold_object_key([record("d1", 1), record("d1", 2)]),
        "records": [record("d1", 1, t=1), record("d1", 2, t=2)],
    }


def test_records_of_one_millisecond_are_kept_apart_and_ordered_by_id() -> None:
    a, b = {**record(second=1, v=1), "record_id": "a" * 32}, {**record(second=1, v=2), "record_id": "b" * 32}
    (payload,) = build_payloads([b, a, b], "aws")  # a record listed twice is moved once
    assert payload.records == [a, b] and payload.object_key == cold_object_key([a, b])


def test_different_records_with_the_same_span_and_count_get_different_keys() -> None:
    """Two moves of one millisecond's readings (a late one moved in a second run) never overwrite each other."""
    first = build_payloads([{**record(second=1), "record_id": "a" * 32}], "aws")[0]
    later = build_payloads([{**record(second=1), "record_id": "b" * 32}], "aws")[0]
    assert first.object_key != later.object_key


def test_a_replayed_move_gets_the_same_key() -> None:
    batch = [record(second=s, t=s) for s in range(3)]
    assert build_payloads(batch, "aws") == build_payloads(list(reversed(batch)), "aws")


def test_payloads_stay_below_the_request_limit_whatever_the_record_sizes(monkeypatch: pytest.MonkeyPatch) -> None:
    big = [record(second=s, blob="x" * 30_000) for s in range(40)]  # 40 × ~30 KB = ~1.2 MB
    monkeypatch.setattr(mover, "MAX_PAYLOAD_RECORD_BYTES", 256 * 1024)
    payloads = build_payloads(big, "aws")
    assert [len(p.records) for p in payloads] == [8, 8, 8, 8, 8]
    assert all(len(json.dumps(p.records, separators=(",", ":"))) <= 256 * 1024 for p in payloads)
    assert [r for p in payloads for r in p.records] == big


def test_large_groups_are_split(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mover, "MAX_RECORDS_PER_OBJECT", 2)
    payloads = build_payloads([record(second=s) for s in range(5)], "aws")
    assert [len(p.records) for p in payloads] == [2, 2, 1]
    assert len({p.object_key for p in payloads}) == 3


def test_parse_accepts_what_build_produces() -> None:
    (payload,) = build_payloads([record(second=1), record(second=2)], "gcp")
    assert parse_payload(payload.to_dict()) == payload


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"schema": "v0"}, "schema"),
        ({"records": []}, "non-empty"),
        ({"object_key": "elsewhere/x.json"}, "object_key does not match"),
        ({"device_id": "d2"}, "belong to the payload's device_id"),
        ({"end_timestamp": "2026-01-01T10:00:09.000Z"}, "end_timestamp does not match"),
        ({"source_cloud": ""}, "source_cloud"),
        ({"records": [record(second=1), {**record(second=1), "timestamp": "2026-01-05T00:00:00Z"}]}, "one UTC day"),
        ({"records": [{**record(second=1), "record_id": "not-an-id"}, record(second=2)]}, "bad record"),
        ({"records": [{"timestamp": "x"}]}, "bad record"),
    ],
)
def test_parse_rejects_inconsistent_payloads(change: dict, message: str) -> None:
    (payload,) = build_payloads([record(second=1), record(second=2)], "aws")
    with pytest.raises(MoverPayloadError, match=message):
        parse_payload({**payload.to_dict(), **change})


def test_a_stored_object_comes_back_as_the_same_payload() -> None:
    (payload,) = build_payloads([record(second=1), record(second=2)], "azure")
    assert stored_payloads(json.loads(json.dumps(payload.to_dict()))) == [payload]


@pytest.mark.parametrize("document", [[], {"schema": "v0"}, {"schema": "dt.mover.v1", "records": []},
                                      {"schema": "dt.mover.v1", "source_cloud": "aws", "records": [{"ts": 1}]}])
def test_a_stored_object_that_is_no_payload_is_refused(document) -> None:
    with pytest.raises(MoverPayloadError):
        stored_payloads(document)
