"""L1/L2 handlers: dispatcher, processor, persister, connector, ingestion."""

import json
from pathlib import Path
from typing import Any

import pytest

from runtime.aws import clients
from runtime.core.config import ConfigurationError
from runtime.core.envelope import build_envelope
from runtime.core.http_client import DeliveryError
from runtime.core.telemetry import TelemetryError
from tests.runtime.runtime_testing import TOKEN, contract_id, function_url_event, json_reply, record


def stored_items(table: str) -> list[dict]:
    return clients.dynamodb_table(table).scan()["Items"]


# dispatcher


RULE_FIELDS = {"topic_device_id": "d1", "ingress_id": "6f1c9c6e-1b1c-4a5e-9d9e-0d6f2a1b3c4d", "ingress_time": 1767225605123}


def test_dispatcher_normalises_and_invokes_the_target(load_handler, fake_lambda) -> None:
    dispatcher = load_handler("dispatcher", TARGET_FUNCTION_NAME="twin-processor")
    dispatcher.handler({"iotDeviceId": "d1", "time": 1767225600000, "temperature": 21.5, **RULE_FIELDS})
    expected = {"device_id": "d1", "timestamp": "2026-01-01T00:00:00.000Z",
                "record_id": contract_id(f"aws:{RULE_FIELDS['ingress_id']}"), "temperature": 21.5}
    assert fake_lambda.calls == [("twin-processor", "Event", expected)]


def test_dispatcher_gives_the_same_message_the_same_record_on_every_delivery(load_handler, fake_lambda) -> None:
    """Lambda's async queue may deliver an event twice; a clockless device gets the rule's time."""
    dispatcher = load_handler("dispatcher", TARGET_FUNCTION_NAME="twin-processor")
    event = {"temperature": 21.5, "record_id": "f" * 32, **RULE_FIELDS}  # a device's own id is not taken
    first, second = dispatcher.handler(dict(event)), dispatcher.handler(dict(event))
    assert first == second == {"device_id": "d1", "timestamp": "2026-01-01T00:00:05.123Z",
                               "record_id": contract_id(f"aws:{RULE_FIELDS['ingress_id']}"), "temperature": 21.5}
    other = dispatcher.handler({**event, "ingress_id": "another-message"})
    assert other["record_id"] != first["record_id"] and other["timestamp"] == first["timestamp"]


def test_dispatcher_trusts_the_topic_over_the_body(load_handler, fake_lambda, caplog) -> None:
    dispatcher = load_handler("dispatcher", TARGET_FUNCTION_NAME="twin-processor")
    assert dispatcher.handler({"iotDeviceId": "d2", "ts": 0, "topic_device_id": "d1"})["device_id"] == "d1"
    assert "differs" in caplog.text


@pytest.mark.parametrize(
    "event", [{"iotDeviceId": "d1"}, ["not", "an", "object"], {"topic_device_id": "d1", "ts": "x"}]
)
def test_dispatcher_rejects_bad_input(load_handler, fake_lambda, event: Any) -> None:
    dispatcher = load_handler("dispatcher", TARGET_FUNCTION_NAME="twin-processor")
    with pytest.raises(TelemetryError):
        dispatcher.handler(event)
    assert fake_lambda.calls == []


def test_dispatcher_needs_its_target(load_handler) -> None:
    with pytest.raises(ConfigurationError, match="TARGET_FUNCTION_NAME is required"):
        load_handler("dispatcher")


def test_invalid_log_level_is_a_configuration_error(load_handler) -> None:
    with pytest.raises(ConfigurationError, match="LOG_LEVEL is invalid"):
        load_handler("dispatcher", TARGET_FUNCTION_NAME="t", LOG_LEVEL="TRACE")


# processor


def test_processor_runs_the_user_code_and_invokes_the_persister(load_handler, fake_lambda, tmp_path: Path) -> None:
    (tmp_path / "processors" / "d1").mkdir(parents=True)
    (tmp_path / "processors" / "d1" / "process.py").write_text("def process(e):\n    return {**e, 'ok': True}\n")
    processor = load_handler("processor", PERSISTER_FUNCTION_NAME="twin-persister", PROJECT_BUNDLE_DIR=tmp_path)
    processor.handler([record("d1", 1), record("d2", 2)])
    assert fake_lambda.events_for("twin-persister") == [[record("d1", 1, ok=True), record("d2", 2)]]


def test_processor_reraises_user_errors(load_handler, fake_lambda, tmp_path: Path) -> None:
    (tmp_path / "processors" / "d1").mkdir(parents=True)
    (tmp_path / "processors" / "d1" / "process.py").write_text("def process(e):\n    raise KeyError('pressure')\n")
    processor = load_handler("processor", PERSISTER_FUNCTION_NAME="twin-persister", PROJECT_BUNDLE_DIR=tmp_path)
    with pytest.raises(KeyError):
        processor.handler(record())
    assert fake_lambda.calls == []


def test_processor_defaults_its_bundle_to_the_task_root(load_handler, fake_lambda, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("LAMBDA_TASK_ROOT", str(tmp_path))
    processor = load_handler("processor", PERSISTER_FUNCTION_NAME="twin-persister")
    assert tmp_path / "project" == processor.PROJECT_BUNDLE_DIR


# persister


def test_persister_writes_locally_then_invokes_the_event_checker(load_handler, fake_lambda, hot_table: str) -> None:
    persister = load_handler(
        "persister", HOT_TABLE_NAME=hot_table, HOT_RETENTION_DAYS=30, EVENT_CHECKER_FUNCTION_NAME="twin-event-checker"
    )
    rid = "0123456789abcdef" * 2
    persister.handler({"iotDeviceId": "d1", "time": "2026-01-01T00:00:00Z", "record_id": rid, "temperature": 21.5})
    (item,) = stored_items(hot_table)
    assert item["device_id"] == "d1" and float(item["temperature"]) == 21.5
    assert item["timestamp"] == f"2026-01-01T00:00:00.000Z#{rid}" and item["record_id"] == rid
    assert int(item["ttl"]) == 1767225600 + 30 * 86400
    assert fake_lambda.events_for("twin-event-checker") == [
        [{"device_id": "d1", "timestamp": "2026-01-01T00:00:00.000Z", "record_id": rid, "temperature": 21.5}]
    ]


def test_persister_without_event_checker_only_writes(load_handler, fake_lambda, hot_table: str) -> None:
    persister = load_handler("persister", HOT_TABLE_NAME=hot_table, HOT_RETENTION_DAYS=30)
    persister.handler([record(second=1), record(second=1), record(second=2)])
    assert len(stored_items(hot_table)) == 2 and fake_lambda.calls == []


def test_persister_sends_remotely_in_batches(load_handler, serve, token_secret: str, fake_lambda) -> None:
    server = serve(lambda request: json_reply(200, {"status": "received"}))
    persister = load_handler("persister", REMOTE_URL=server.url, REMOTE_TOKEN_SECRET=token_secret)
    persister.handler([record(second=s % 60, n=s) for s in range(150)])
    bodies = [json.loads(r.body) for r in server.requests]
    assert [len(b["payload"]) for b in bodies] == [100, 50] and {b["target_layer"] for b in bodies} == {"L3_hot"}
    assert server.requests[0].headers["X-Inter-Cloud-Token"] == TOKEN


def test_persister_raises_when_the_remote_refuses(load_handler, serve, token_secret: str) -> None:
    server = serve(lambda request: json_reply(401, {"error": {"code": "unauthorized", "message": ""}}))
    persister = load_handler("persister", REMOTE_URL=server.url, REMOTE_TOKEN_SECRET=token_secret)
    with pytest.raises(DeliveryError, match="401"):
        persister.handler(record())


def test_persister_sends_twin_updates_when_the_twin_is_on_azure(load_handler, serve, token_secret, hot_table) -> None:
    updater = serve(lambda request: json_reply(200, {"status": "received"}))
    persister = load_handler(
        "persister",
        HOT_TABLE_NAME=hot_table,
        HOT_RETENTION_DAYS=30,
        TWIN_UPDATE_URL=updater.url,
        TWIN_UPDATE_TOKEN_SECRET=token_secret,
    )
    persister.handler([record(second=1, t=1), record(second=2, t=2)])
    assert len(stored_items(hot_table)) == 2  # stored first, then the twin is updated
    (body,) = [json.loads(r.body) for r in updater.requests]
    assert body["target_layer"] == "L4" and [r["t"] for r in body["payload"]] == [1, 2]
    assert updater.requests[0].headers["X-Inter-Cloud-Token"] == TOKEN


def test_persister_twin_update_url_needs_its_token_secret(load_handler, hot_table) -> None:
    with pytest.raises(ConfigurationError, match="TWIN_UPDATE_TOKEN_SECRET"):
        load_handler("persister", HOT_TABLE_NAME=hot_table, HOT_RETENTION_DAYS=30, TWIN_UPDATE_URL="https://adt.example")


@pytest.mark.parametrize(
    ("variables", "problem"),
    [
        ({}, "none is set"),
        ({"HOT_TABLE_NAME": "t", "HOT_RETENTION_DAYS": "0"}, "HOT_RETENTION_DAYS is invalid"),
        ({"HOT_TABLE_NAME": "t", "HOT_RETENTION_DAYS": "1", "REMOTE_URL": "https://x"}, "both set"),
    ],
)
def test_persister_needs_exactly_one_mode(load_handler, variables: dict, problem: str) -> None:
    with pytest.raises(ConfigurationError, match=problem):
        load_handler("persister", **variables)


# connector and ingestion


def test_connector_forwards_records_to_the_ingestion(load_handler, serve, token_secret: str) -> None:
    server = serve(lambda request: json_reply(200, {"status": "received"}))
    connector = load_handler("connector", REMOTE_URL=server.url, REMOTE_TOKEN_SECRET=token_secret)
    assert connector.handler({"iotDeviceId": "d1", "ts": 0, "t": 1}) == {"count": 1}
    body = json.loads(server.requests[0].body)
    assert body["target_layer"] == "L2" and body["source_cloud"] == "aws"
    # A record without an id (one written before ids existed) keeps the identity of its old key.
    legacy = contract_id("d1:1970-01-01T00:00:00.000Z")
    assert body["payload"] == [{"device_id": "d1", "timestamp": "1970-01-01T00:00:00.000Z", "record_id": legacy, "t": 1}]


def test_connector_needs_an_https_url(load_handler) -> None:
    with pytest.raises(ConfigurationError, match=r"REMOTE_URL is invalid.*REMOTE_TOKEN_SECRET is required"):
        load_handler("connector", REMOTE_URL="http://example.com")


@pytest.fixture
def ingestion(load_handler, token_secret: str, fake_lambda) -> Any:
    return load_handler("ingestion", INBOUND_TOKEN_SECRET=token_secret, PROCESSOR_FUNCTION_NAME="twin-processor")


def post(module: Any, body: Any, token: str = TOKEN) -> dict:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return module.handler(function_url_event(raw, {"X-Inter-Cloud-Token": token}))


def test_ingestion_invokes_the_processor_and_returns_a_receipt(ingestion: Any, fake_lambda) -> None:
    envelope = build_envelope([record(second=1), record(second=2)], "azure", "L2")
    response = post(ingestion, envelope)
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"status": "received", "trace_id": envelope["trace_id"], "count": 2}
    assert fake_lambda.events_for("twin-processor") == [[record(second=1), record(second=2)]]


@pytest.mark.parametrize(
    ("body", "token", "status"),
    [
        (build_envelope(record(), "azure", "L2"), "wrong", 401),
        (b"not json", TOKEN, 400),
        (build_envelope(record(), "azure", "L3_hot"), TOKEN, 400),
        (build_envelope({"no": "id"}, "gcp", "L2"), TOKEN, 400),
    ],
)
def test_ingestion_rejects_bad_requests(ingestion: Any, fake_lambda, body: Any, token: str, status: int) -> None:
    assert post(ingestion, body, token)["statusCode"] == status
    assert fake_lambda.calls == []


def test_async_invokes_split_a_batch_that_exceeds_the_payload_limit(load_handler, fake_lambda) -> None:
    """100 records of 30 KB (a full envelope) would be refused on every retry as one 3 MB invoke."""
    from runtime.aws.lambda_invoke import MAX_ASYNC_PAYLOAD_BYTES, invoke_async

    records = [record(second=s % 60, blob="x" * 30_000, n=s) for s in range(100)]
    count = invoke_async("twin-processor", records)
    payloads = [json.dumps(event).encode() for _, _, event in fake_lambda.calls]
    assert count == len(payloads) > 1 and all(len(p) <= MAX_ASYNC_PAYLOAD_BYTES <= 256 * 1024 for p in payloads)
    assert [r["n"] for _, _, event in fake_lambda.calls for r in event] == list(range(100))
    assert fake_lambda.unread_payloads() == 0  # each answer read, so its connection goes back to the pool
