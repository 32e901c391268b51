import pytest

from runtime.core import twinmaker
from runtime.core.reader import LatestQuery, RangeQuery
from tests.runtime.runtime_testing import history_request, twinmaker_request

TYPES = {"temperature": "DOUBLE", "count": "INTEGER", "total": "LONG", "on": "BOOLEAN", "label": "STRING"}


def test_data_reader_request_becomes_a_range_query() -> None:
    request = history_request(types=TYPES, maxResults=10, orderByTime="DESCENDING", nextToken="abc")
    assert twinmaker.range_query(request) == RangeQuery(
        device_id="d1",
        properties=tuple(TYPES),
        start_time="2026-01-01T00:00:00.000Z",
        end_time="2026-01-01T23:59:59.000Z",
        max_results=10,
        next_token="abc",
        order="DESCENDING",
    )


def test_deprecated_epoch_second_window_is_accepted() -> None:
    request = twinmaker_request(startDateTime=1767225600, endDateTime=1767229200)
    query = twinmaker.range_query(request)
    assert (query.start_time, query.end_time) == ("2026-01-01T00:00:00.000Z", "2026-01-01T01:00:00.000Z")


def test_last_entry_request_becomes_a_latest_query() -> None:
    assert twinmaker.latest_query(twinmaker_request("d7", TYPES)) == LatestQuery("d7", tuple(TYPES))


@pytest.mark.parametrize(
    ("request_change", "message"),
    [
        ({"properties": {}}, "iotDeviceId"),
        ({"properties": {"iotDeviceId": {"value": {"stringValue": 7}}}}, "iotDeviceId"),  # a number is no device id
        ({"selectedProperties": None}, "selectedProperties"),
        ({"startTime": None}, "startTime"),
        ({"startTime": "garbage"}, "startTime"),
        ({"orderByTime": "SIDEWAYS"}, "order"),
    ],
)
def test_bad_requests_raise(request_change: dict, message: str) -> None:
    request = {**history_request(), **request_change}
    request = {key: value for key, value in request.items() if value is not None}
    with pytest.raises(twinmaker.TwinMakerRequestError, match=message):
        twinmaker.range_query(request)


def test_range_response_is_typed_from_the_property_definitions() -> None:
    answer = {
        "items": [
            {
                "timestamp": "2026-01-01T10:00:00.000Z",
                "values": {"temperature": 21, "count": 3.0, "total": 2**40, "on": "true", "label": {"a": 1}},
            },
            {"timestamp": "2026-01-01T10:00:01.000Z", "values": {"temperature": 21.5}},
        ],
        "next_token": "next",
    }
    response = twinmaker.range_response(history_request(types=TYPES), answer)
    by_name = {pv["entityPropertyReference"]["propertyName"]: pv for pv in response["propertyValues"]}
    assert by_name["temperature"]["values"] == [
        {"time": "2026-01-01T10:00:00.000Z", "value": {"doubleValue": 21.0}},
        {"time": "2026-01-01T10:00:01.000Z", "value": {"doubleValue": 21.5}},
    ]
    assert by_name["count"]["values"][0]["value"] == {"integerValue": 3}
    assert by_name["total"]["values"][0]["value"] == {"longValue": 2**40}
    assert by_name["on"]["values"][0]["value"] == {"booleanValue": True}
    assert by_name["label"]["values"][0]["value"] == {"stringValue": '{"a": 1}'}
    assert by_name["temperature"]["entityPropertyReference"] == {
        "entityId": "room-1",
        "componentName": "sensor",
        "propertyName": "temperature",
    }
    assert response["nextToken"] == "next"


def test_unconvertible_values_are_skipped_and_empty_answers_have_no_values() -> None:
    request = history_request(types={"count": "INTEGER"})
    answer = {"items": [{"timestamp": "2026-01-01T10:00:00.000Z", "values": {"count": 2.5}}], "next_token": None}
    assert twinmaker.range_response(request, answer) == {"propertyValues": []}
    assert twinmaker.range_response(request, {"items": [], "next_token": None}) == {"propertyValues": []}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, {"booleanValue": True}),
        (7, {"integerValue": 7}),
        (2**40, {"longValue": 2**40}),
        (1.5, {"doubleValue": 1.5}),
        ("x", {"stringValue": "x"}),
    ],
)
def test_undeclared_types_are_inferred(value: object, expected: dict) -> None:
    assert twinmaker.typed_value(value, None) == expected


def test_latest_response() -> None:
    request = twinmaker_request(types={"temperature": "DOUBLE", "on": "BOOLEAN"})
    answer = {"timestamp": "2026-01-01T10:00:00.000Z", "values": {"temperature": 20}}
    assert twinmaker.latest_response(request, answer) == {
        "propertyValues": {
            "temperature": {
                "propertyReference": {"entityId": "room-1", "componentName": "sensor", "propertyName": "temperature"},
                "propertyValue": {"doubleValue": 20.0},
            }
        }
    }
    assert twinmaker.latest_response(request, {}) == {"propertyValues": {}}
