"""Hot readers: TwinMaker direct invoke and Function URL (HTTP) mode."""

import json
import logging
from types import ModuleType
from typing import Any

import pytest

from runtime.aws.dynamodb_store import DynamoHotStore
from runtime.aws.function_url import is_http_event
from runtime.core.config import ConfigurationError
from tests.runtime.runtime_testing import TOKEN, function_url_event, history_request, record, twinmaker_request

QUERY = {
    "device_id": "d1",
    "properties": ["temperature"],
    "start_time": "2026-01-01T00:00:00Z",
    "end_time": "2026-01-01T23:59:59Z",
}


@pytest.fixture
def stored(hot_table: str) -> str:
    DynamoHotStore(hot_table, 30).put(
        [record(second=s, temperature=20.0 + s, count=s, on=s % 2 == 0, label=f"s{s}") for s in range(5)]
        + [record("d2", 1, temperature=99.0)]
    )
    return hot_table


@pytest.fixture
def hot_reader(load_handler, stored: str, token_secret: str) -> ModuleType:
    return load_handler("hot_reader", HOT_TABLE_NAME=stored, INBOUND_TOKEN_SECRET=token_secret)


@pytest.fixture
def last_entry_reader(load_handler, stored: str, token_secret: str) -> ModuleType:
    return load_handler("hot_reader_last_entry", HOT_TABLE_NAME=stored, INBOUND_TOKEN_SECRET=token_secret)


def http_call(module: ModuleType, body: Any, headers: dict | None = None, base64_encoded: bool = True) -> dict:
    headers = {"X-Inter-Cloud-Token": TOKEN} if headers is None else headers
    return module.handler(function_url_event(json.dumps(body).encode(), headers, base64_encoded=base64_encoded))


def temperatures(response: dict) -> list[float]:
    (values,) = [
        pv["values"]
        for pv in response["propertyValues"]
        if pv["entityPropertyReference"]["propertyName"] == "temperature"
    ]
    return [value["value"]["doubleValue"] for value in values]


def test_hot_reader_accepts_twinmaker_direct_invoke(hot_reader: ModuleType) -> None:
    response = hot_reader.handler(history_request(), None)
    assert temperatures(response) == [20.0, 21.0, 22.0, 23.0, 24.0]
    assert response["propertyValues"][0]["entityPropertyReference"] == {
        "entityId": "room-1",
        "componentName": "sensor",
        "propertyName": "temperature",
    }


def test_hot_reader_returns_dict_for_direct_invoke(hot_reader: ModuleType) -> None:
    response = hot_reader.handler(history_request())
    assert isinstance(response, dict) and "statusCode" not in response and "propertyValues" in response


def test_hot_reader_http_request_detection(hot_reader: ModuleType) -> None:
    http_event = function_url_event(json.dumps(QUERY).encode(), {"X-Inter-Cloud-Token": TOKEN})
    assert is_http_event(http_event) and not is_http_event(history_request())
    assert "statusCode" in hot_reader.handler(http_event)
    assert "statusCode" not in hot_reader.handler(history_request())


def test_hot_reader_validates_token_on_http_request(hot_reader: ModuleType) -> None:
    assert http_call(hot_reader, QUERY)["statusCode"] == 200
    refused = http_call(hot_reader, QUERY, {"X-Inter-Cloud-Token": "not-the-token"})
    assert refused["statusCode"] == 401 and "items" not in refused["body"]


def test_hot_reader_token_validation_missing_token(hot_reader: ModuleType) -> None:
    response = http_call(hot_reader, QUERY, headers={})
    assert response["statusCode"] == 401
    assert json.loads(response["body"])["error"]["code"] == "unauthorized"


def test_hot_reader_token_validation_empty_header(hot_reader: ModuleType) -> None:
    assert http_call(hot_reader, QUERY, headers={"x-inter-cloud-token": ""})["statusCode"] == 401


def test_hot_reader_refuses_http_when_no_inbound_token_is_configured(load_handler, stored: str) -> None:
    module = load_handler("hot_reader", HOT_TABLE_NAME=stored)
    assert http_call(module, QUERY)["statusCode"] == 401
    assert temperatures(module.handler(history_request()))  # direct invoke still works


def test_hot_reader_parses_base64_encoded_body(hot_reader: ModuleType) -> None:
    for base64_encoded in (True, False):
        response = http_call(hot_reader, {**QUERY, "max_results": 2}, base64_encoded=base64_encoded)
        assert [item["values"]["temperature"] for item in json.loads(response["body"])["items"]] == [20.0, 21.0]


def test_hot_reader_returns_http_format_for_http_request(hot_reader: ModuleType) -> None:
    response = http_call(hot_reader, {**QUERY, "max_results": 1, "order": "DESCENDING"})
    assert response["statusCode"] == 200 and response["headers"] == {"Content-Type": "application/json"}
    body = json.loads(response["body"])
    assert body["items"] == [{"timestamp": "2026-01-01T10:00:04.000Z", "values": {"temperature": 24.0}}]
    assert isinstance(body["next_token"], str)


def test_hot_reader_rejects_a_bad_query_with_400(hot_reader: ModuleType) -> None:
    response = http_call(hot_reader, {**QUERY, "start_time": "whenever"})
    assert response["statusCode"] == 400 and json.loads(response["body"])["error"]["code"] == "invalid_query"


def test_hot_reader_returns_empty_on_error_for_direct_invoke(
    load_handler, aws: Any, token_secret: str, caplog: pytest.LogCaptureFixture
) -> None:
    module = load_handler("hot_reader", HOT_TABLE_NAME="no-such-table", INBOUND_TOKEN_SECRET=token_secret)
    with caplog.at_level(logging.ERROR):
        assert module.handler(history_request()) == {"propertyValues": []}
    (entry,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert entry.exc_info and "ResourceNotFoundException" in caplog.text


def test_hot_reader_returns_500_on_error_for_http(load_handler, aws: Any, token_secret: str) -> None:
    module = load_handler("hot_reader", HOT_TABLE_NAME="no-such-table", INBOUND_TOKEN_SECRET=token_secret)
    response = http_call(module, QUERY)
    assert response["statusCode"] == 500
    assert json.loads(response["body"]) == {
        "error": {"code": "internal_error", "message": "the receiver failed; retry later"}
    }


def test_hot_reader_pages_with_twinmaker_next_token(hot_reader: ModuleType) -> None:
    seen, token = [], None
    while True:
        extra = {"maxResults": 2, **({"nextToken": token} if token else {})}
        response = hot_reader.handler(history_request(**extra))
        seen += temperatures(response) if response["propertyValues"] else []
        token = response.get("nextToken")
        if not token:
            break
    assert seen == [20.0, 21.0, 22.0, 23.0, 24.0]


def test_hot_reader_orders_descending(hot_reader: ModuleType) -> None:
    response = hot_reader.handler(history_request(orderByTime="DESCENDING"))
    assert temperatures(response) == [24.0, 23.0, 22.0, 21.0, 20.0]


def test_hot_reader_types_every_property(hot_reader: ModuleType) -> None:
    types = {"count": "INTEGER", "on": "BOOLEAN", "label": "STRING", "temperature": "DOUBLE"}
    response = hot_reader.handler(history_request(types=types, maxResults=1))
    first = {
        pv["entityPropertyReference"]["propertyName"]: pv["values"][0]["value"] for pv in response["propertyValues"]
    }
    assert first == {
        "count": {"integerValue": 0},
        "on": {"booleanValue": True},
        "label": {"stringValue": "s0"},
        "temperature": {"doubleValue": 20.0},
    }


def test_hot_reader_answers_empty_for_an_empty_window_or_unknown_device(hot_reader: ModuleType) -> None:
    assert hot_reader.handler(history_request(startTime="2025-01-01T00:00:00Z", endTime="2025-01-02T00:00:00Z")) == {
        "propertyValues": []
    }
    assert hot_reader.handler(history_request("unknown")) == {"propertyValues": []}


def test_last_entry_reader_direct_and_http(last_entry_reader: ModuleType) -> None:
    direct = last_entry_reader.handler(twinmaker_request(types={"temperature": "DOUBLE", "count": "LONG"}))
    assert direct["propertyValues"]["temperature"]["propertyValue"] == {"doubleValue": 24.0}
    assert direct["propertyValues"]["count"]["propertyValue"] == {"longValue": 4}
    http = http_call(last_entry_reader, {"device_id": "d2", "properties": ["temperature"]})
    assert json.loads(http["body"]) == {"timestamp": "2026-01-01T10:00:01.000Z", "values": {"temperature": 99.0}}


def test_last_entry_reader_answers_empty_for_unknown_devices(last_entry_reader: ModuleType) -> None:
    assert last_entry_reader.handler(twinmaker_request("unknown")) == {"propertyValues": {}}
    assert json.loads(http_call(last_entry_reader, {"device_id": "unknown", "properties": ["t"]})["body"]) == {}


def test_hot_reader_needs_its_table_at_cold_start(load_handler) -> None:
    with pytest.raises(ConfigurationError, match="HOT_TABLE_NAME is required"):
        load_handler("hot_reader")
