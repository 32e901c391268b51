"""Digital Twin Data Connectors: TwinMaker requests routed to the local or the remote hot reader."""

import json
import time
from types import ModuleType
from typing import Any

import pytest

from runtime.aws import bridge_clients
from runtime.aws.dynamodb_store import DynamoHotStore
from runtime.core.config import ConfigurationError
from runtime.core.http_client import DeliveryError, RetryPolicy
from tests.runtime.runtime_testing import (
    TOKEN,
    RecordedRequest,
    Reply,
    function_url,
    history_request,
    json_reply,
    record,
    twinmaker_request,
)

READER_ANSWER = {
    "items": [{"timestamp": "2026-01-01T10:00:00.000Z", "values": {"temperature": 21}}],
    "next_token": None,
}


@pytest.fixture
def remote_reader(load_handler, serve, hot_table: str, token_secret: str) -> Any:
    """A hot reader on "another cloud": the real handler behind a loopback Function URL."""
    DynamoHotStore(hot_table, 30).put([record(second=s, temperature=20.0 + s) for s in range(5)])
    reader = load_handler("hot_reader", HOT_TABLE_NAME=hot_table, INBOUND_TOKEN_SECRET=token_secret)
    return serve(function_url(reader.handler))


def remote_connector(load_handler, url: str, secret: str, name: str = "dt_data_connector") -> ModuleType:
    return load_handler(name, REMOTE_URL=url, REMOTE_TOKEN_SECRET=secret)


def temperatures(response: dict) -> list[float]:
    return [v["value"]["doubleValue"] for pv in response["propertyValues"] for v in pv["values"]]


def test_dt_data_connector_routes_to_remote_hot_reader(load_handler, remote_reader: Any, token_secret: str) -> None:
    connector = remote_connector(load_handler, remote_reader.url, token_secret)
    assert temperatures(connector.handler(history_request(), None)) == [20.0, 21.0, 22.0, 23.0, 24.0]


def test_dt_data_connector_pages_through_the_remote_reader(load_handler, remote_reader: Any, token_secret: str) -> None:
    connector = remote_connector(load_handler, remote_reader.url, token_secret)
    seen, token = [], None
    while True:
        response = connector.handler(history_request(maxResults=2, **({"nextToken": token} if token else {})))
        seen += temperatures(response)
        if not (token := response.get("nextToken")):
            break
    assert seen == [20.0, 21.0, 22.0, 23.0, 24.0] and len(remote_reader.requests) >= 3


def test_dt_data_connector_last_entry_routes_to_remote_reader(
    load_handler, serve, hot_table: str, token_secret: str
) -> None:
    DynamoHotStore(hot_table, 30).put([record(second=s, temperature=20.0 + s) for s in range(3)])
    reader = load_handler("hot_reader_last_entry", HOT_TABLE_NAME=hot_table, INBOUND_TOKEN_SECRET=token_secret)
    server = serve(function_url(reader.handler))
    connector = remote_connector(load_handler, server.url, token_secret, "dt_data_connector_last_entry")
    response = connector.handler(twinmaker_request())
    assert response["propertyValues"]["temperature"]["propertyValue"] == {"doubleValue": 22.0}


def test_dt_data_connector_routes_locally_when_local(load_handler, fake_lambda) -> None:
    local_answer = {"propertyValues": [{"values": []}]}
    fake_lambda.routes["twin-hot-reader"] = lambda event, context: local_answer
    connector = load_handler("dt_data_connector", LOCAL_READER_FUNCTION_NAME="twin-hot-reader")
    assert connector.handler(history_request()) == local_answer
    assert fake_lambda.calls == [("twin-hot-reader", "RequestResponse", history_request())]


def test_dt_data_connector_routes_remotely_when_multicloud(load_handler, serve, fake_lambda, token_secret: str) -> None:
    server = serve(lambda request: json_reply(200, READER_ANSWER))
    connector = remote_connector(load_handler, server.url, token_secret)
    assert temperatures(connector.handler(history_request(maxResults=5))) == [21.0]
    assert fake_lambda.calls == []
    (request,) = server.requests
    assert json.loads(request.body) == {
        "device_id": "d1",
        "properties": ["temperature"],
        "start_time": "2026-01-01T00:00:00.000Z",
        "end_time": "2026-01-01T23:59:59.000Z",
        "max_results": 5,
        "next_token": None,
        "order": "ASCENDING",
    }


def test_dt_data_connector_fails_without_remote_url(load_handler) -> None:
    with pytest.raises(ConfigurationError, match="REMOTE_URL") as failure:
        load_handler("dt_data_connector")
    assert "LOCAL_READER_FUNCTION_NAME" in str(failure.value)
    with pytest.raises(ConfigurationError, match="REMOTE_URL is required"):
        load_handler("dt_data_connector", REMOTE_TOKEN_SECRET="secret-name")
    with pytest.raises(ConfigurationError, match="REMOTE_URL is invalid"):
        load_handler("dt_data_connector", REMOTE_URL="http://example.com/", REMOTE_TOKEN_SECRET="secret-name")


def test_dt_data_connector_includes_token_in_post(load_handler, serve, token_secret: str) -> None:
    server = serve(lambda request: json_reply(200, READER_ANSWER))
    remote_connector(load_handler, server.url, token_secret).handler(history_request())
    assert server.requests[0].headers["X-Inter-Cloud-Token"] == TOKEN


def test_dt_data_connector_retries_on_network_error(load_handler, serve, token_secret: str) -> None:
    replies: list[Reply | None] = [None, None]  # two dropped connections, then the answer

    def flaky(request: RecordedRequest) -> Reply | None:
        return replies.pop(0) if replies else json_reply(200, READER_ANSWER)

    server = serve(flaky)
    response = remote_connector(load_handler, server.url, token_secret).handler(history_request())
    assert temperatures(response) == [21.0] and len(server.requests) == 3


def test_dt_data_connector_timeout_handling(load_handler, serve, token_secret: str, monkeypatch) -> None:
    monkeypatch.setattr(bridge_clients.BRIDGE_CLIENTS, "retry_policy", RetryPolicy(max_attempts=2, initial_delay=0.01, timeout=0.05))

    def too_slow(request: RecordedRequest) -> Reply:
        time.sleep(0.15)
        return json_reply(200, READER_ANSWER)

    server = serve(too_slow)
    connector = remote_connector(load_handler, server.url, token_secret)
    started = time.monotonic()
    with pytest.raises(DeliveryError, match=r"after 2 attempt.*TimeoutError") as failure:
        connector.handler(history_request())
    assert time.monotonic() - started < 1.0 and len(server.requests) == 2
    assert TOKEN not in str(failure.value)


def test_dt_data_connector_surfaces_refusals_and_bad_requests(load_handler, serve, token_secret: str) -> None:
    server = serve(lambda request: json_reply(401, {"error": {"code": "unauthorized", "message": "m"}}))
    connector = remote_connector(load_handler, server.url, token_secret)
    with pytest.raises(DeliveryError, match="HTTP 401"):
        connector.handler(history_request())
    with pytest.raises(ValueError, match="iotDeviceId"):
        connector.handler({**history_request(), "properties": {}})
    assert len(server.requests) == 1
