"""A twin spread over three "clouds", every bridge over real HTTP on 127.0.0.1:
L1 (connector) → L2 (ingestion → processor → persister, remote mode) → L3 hot (hot writer →
DynamoDB (moto) → hot reader) ← L4 (Digital Twin Data Connector, remote mode, TwinMaker format).
Each receiver is our handler behind a loopback server that speaks the Function URL event format."""

import json
from collections.abc import Callable
from types import SimpleNamespace

import pytest

from runtime.aws import clients
from runtime.core.http_client import DeliveryError
from tests.runtime.runtime_testing import (
    TOKEN, JsonLogLines, RecordedRequest, Reply, function_url, history_request, json_reply,
)

MESSAGES = [{"iotDeviceId": "d1", "time": f"2026-01-01T09:00:0{s}Z", "temperature": 20.0 + s} for s in range(3)]


class InjectedFailures:
    """Runs the receiver, then answers with the queued statuses instead (a lost response)."""

    def __init__(self, respond: Callable[[RecordedRequest], Reply]) -> None:
        self.respond, self.statuses = respond, []

    def __call__(self, request: RecordedRequest) -> Reply:
        reply = self.respond(request)
        return (
            json_reply(self.statuses.pop(0), {"error": {"code": "unavailable", "message": ""}})
            if self.statuses
            else reply
        )


@pytest.fixture
def twin(load_handler, fake_lambda, serve, hot_table: str, token_secret: str, tmp_path) -> SimpleNamespace:
    hot_writer = load_handler(
        "hot_writer", INBOUND_TOKEN_SECRET=token_secret, HOT_TABLE_NAME=hot_table, HOT_RETENTION_DAYS=30
    )
    hot_writer_faults = InjectedFailures(function_url(hot_writer.handler))
    hot_writer_server = serve(hot_writer_faults)
    hot_reader = load_handler("hot_reader", HOT_TABLE_NAME=hot_table, INBOUND_TOKEN_SECRET=token_secret)
    reader_server = serve(function_url(hot_reader.handler))
    fake_lambda.routes = {
        "twin-processor": load_handler(
            "processor", PERSISTER_FUNCTION_NAME="twin-persister", PROJECT_BUNDLE_DIR=tmp_path
        ).handler,
        "twin-persister": load_handler(
            "persister", REMOTE_URL=hot_writer_server.url, REMOTE_TOKEN_SECRET=token_secret
        ).handler,
    }
    ingestion = load_handler("ingestion", INBOUND_TOKEN_SECRET=token_secret, PROCESSOR_FUNCTION_NAME="twin-processor")
    ingestion_server = serve(function_url(ingestion.handler))
    return SimpleNamespace(
        connector=load_handler("connector", REMOTE_URL=ingestion_server.url, REMOTE_TOKEN_SECRET=token_secret),
        dt_data_connector=load_handler(
            "dt_data_connector", REMOTE_URL=reader_server.url, REMOTE_TOKEN_SECRET=token_secret
        ),
        ingestion_server=ingestion_server,
        hot_writer_server=hot_writer_server,
        hot_writer_faults=hot_writer_faults,
        hot_table=hot_table,
    )


def temperatures(twin: SimpleNamespace) -> list[float]:
    response = twin.dt_data_connector.handler(history_request())
    return [value["value"]["doubleValue"] for pv in response["propertyValues"] for value in pv["values"]]


def test_telemetry_crosses_every_bridge_and_reads_back_in_twinmaker_format(twin: SimpleNamespace) -> None:
    for message in MESSAGES:
        assert twin.connector.handler(message) == {"count": 1}
    assert temperatures(twin) == [20.0, 21.0, 22.0]


def test_transient_503s_are_retried_and_the_records_stored_exactly_once(twin: SimpleNamespace) -> None:
    twin.hot_writer_faults.statuses = [503, 503]
    twin.connector.handler(MESSAGES)
    assert len(twin.hot_writer_server.requests) == 3
    assert len(clients.dynamodb_table(twin.hot_table).scan()["Items"]) == 3
    assert temperatures(twin) == [20.0, 21.0, 22.0]


def test_a_wrong_token_is_refused_with_401_and_not_retried(load_handler, twin: SimpleNamespace, fake_lambda) -> None:
    clients.client("secretsmanager").create_secret(Name="stale-token", SecretString="not-the-token")
    connector = load_handler("connector", REMOTE_URL=twin.ingestion_server.url, REMOTE_TOKEN_SECRET="stale-token")
    with pytest.raises(DeliveryError, match="HTTP 401") as failure:
        connector.handler(MESSAGES[0])
    assert failure.value.status == 401 and len(twin.ingestion_server.requests) == 1
    assert "not-the-token" not in str(failure.value) and fake_lambda.calls == []


def test_a_receiver_that_is_down_makes_the_sender_raise_after_its_retries(
    twin: SimpleNamespace, caplog: pytest.LogCaptureFixture
) -> None:
    twin.ingestion_server.stop()
    with pytest.raises(DeliveryError, match="after 3 attempt"):
        twin.connector.handler(MESSAGES[0])
    assert caplog.text.count("retrying") == 2


def test_one_record_is_followed_across_every_bridge_by_its_trace_id(twin: SimpleNamespace) -> None:
    """Each bridge's sender logs the envelope's trace_id when it sends, its receiver the same id
    when it takes the envelope: JSON lines, each naming its function and cloud."""
    with JsonLogLines() as logs:
        twin.connector.handler(MESSAGES[0])
    trace_ids = {request.path: json.loads(request.body)["trace_id"] for request in twin.ingestion_server.requests}
    (l1_trace,) = trace_ids.values()
    (l2_trace,) = [json.loads(request.body)["trace_id"] for request in twin.hot_writer_server.requests]
    assert l1_trace != l2_trace  # one envelope per bridge
    for sender, receiver, trace, connection in (
        ("connector", "ingestion", l1_trace, "aws_l1_to_aws_l2"),
        ("persister", "hot_writer", l2_trace, "aws_l2_to_aws_l3_hot"),
    ):
        (sent,) = logs.where(function=sender, trace_id=trace)
        (received,) = logs.where(function=receiver, trace_id=trace)
        assert sent["message"].startswith("sent 1 records") and sent["count"] == 1 and sent["cloud"] == "aws"
        assert received["connection"] == connection and received["count"] == 1 and received["cloud"] == "aws"
        assert {"time", "level", "message"} <= sent.keys() & received.keys()
    assert not any(TOKEN in json.dumps(line) for line in logs.lines)
