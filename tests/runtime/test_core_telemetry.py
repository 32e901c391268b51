import pytest

from runtime.core.telemetry import TelemetryError, normalize_record, normalize_timestamp
from tests.runtime.runtime_testing import contract_id

NOW_TEXT = "2026-03-04T05:06:07.890123+00:00"
RID = "0123456789abcdef" * 2


@pytest.mark.parametrize("key", ["device_id", "iotDeviceId", "deviceId", "IoTDeviceId"])
def test_device_id_is_read_from_every_alias(key: str) -> None:
    assert normalize_record({key: "d1", "timestamp": 0})["device_id"] == "d1"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-01-02T03:04:05Z", "2026-01-02T03:04:05.000Z"),
        ("2026-01-02T03:04:05.123456+00:00", "2026-01-02T03:04:05.123Z"),
        ("2026-01-02T05:04:05+02:00", "2026-01-02T03:04:05.000Z"),
        ("2026-01-02T03:04:05", "2026-01-02T03:04:05.000Z"),
        (1767225600, "2026-01-01T00:00:00.000Z"),
        (1767225600.5, "2026-01-01T00:00:00.500Z"),
        (1767225600250, "2026-01-01T00:00:00.250Z"),
    ],
)
def test_timestamps_become_utc_iso_with_milliseconds(value: object, expected: str) -> None:
    assert normalize_timestamp(value) == expected


@pytest.mark.parametrize("key", ["timestamp", "time", "ts"])
def test_timestamp_is_read_from_every_alias(key: str) -> None:
    assert normalize_record({"device_id": "d1", key: 1767225600})["timestamp"] == "2026-01-01T00:00:00.000Z"


@pytest.mark.parametrize("raw", [{"device_id": "d1"}, {"device_id": "d1", "time": ""}])
def test_a_missing_timestamp_takes_the_given_receipt_time(raw: dict) -> None:
    assert normalize_record(raw, default_time=NOW_TEXT)["timestamp"] == "2026-03-04T05:06:07.890Z"


@pytest.mark.parametrize("raw", [{"device_id": "d1"}, {"device_id": "d1", "time": ""}])
def test_without_a_timestamp_or_a_receipt_time_a_record_is_refused(raw: dict) -> None:
    """Never "now": a replay would get another time, so another key (a duplicate row)."""
    with pytest.raises(TelemetryError, match="no timestamp"):
        normalize_record(raw)


def test_aliases_are_replaced_by_canonical_keys_and_properties_kept() -> None:
    record = normalize_record({"iotDeviceId": "d1", "time": 0, "temperature": 21.5}, default_id=RID)
    assert record == {"device_id": "d1", "timestamp": "1970-01-01T00:00:00.000Z", "record_id": RID, "temperature": 21.5}


def test_a_record_keeps_its_id_and_one_without_gets_the_identity_of_its_old_key() -> None:
    assert normalize_record({"device_id": "d1", "ts": 0, "record_id": RID}, default_id="f" * 32)["record_id"] == RID
    assert normalize_record({"device_id": "d1", "ts": 0})["record_id"] == contract_id("d1:1970-01-01T00:00:00.000Z")


def test_explicit_device_id_overrides_the_body() -> None:
    assert normalize_record({"iotDeviceId": "spoofed", "ts": 0}, device_id="d1")["device_id"] == "d1"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"temperature": 1}, "device id"),
        ({"device_id": "../etc", "ts": 0}, "device id"),
        ({"device_id": "d/1", "ts": 0}, "device id"),
        ({"device_id": "d1", "ts": "yesterday"}, "unreadable timestamp"),
        ({"device_id": "d1", "ts": True}, "timestamp must be"),
        ({"device_id": "d1", "ts": 10**20}, "unreadable timestamp"),
        (["not", "a", "record"], "JSON object"),
    ],
)
def test_bad_records_raise_a_clear_error(raw: object, message: str) -> None:
    with pytest.raises(TelemetryError, match=message):
        normalize_record(raw)
