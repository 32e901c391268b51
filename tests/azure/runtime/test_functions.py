"""Azure function handlers called with azure.functions request objects, against a fake data plane."""

from __future__ import annotations

import base64
import dataclasses
import json

import azure.functions as func
import pytest
from tests.runtime.runtime_testing import LoopbackServer, contract_id, json_reply

from runtime.azure.cosmos_store import CosmosHotStore
from runtime.core.config import ConfigurationError
from runtime.core.envelope import build_envelope
from twin_contract.wire import TWIN_UPDATE_LAYER
from tests.azure.runtime.conftest import TOKEN
from tests.azure.runtime.fake_azure import DEVICE_MODEL
from tests.azure.runtime.memory_cosmos import InMemoryCosmosContainer

RECORD = {"device_id": "d1", "timestamp": "2026-01-01T10:00:00.000Z", "record_id": "0123456789abcdef" * 2,
          "temperature": 21.5}


def http(body, token: str | None = TOKEN, route_params=None) -> func.HttpRequest:
    headers = {"Content-Type": "application/json", **({"X-Inter-Cloud-Token": token} if token else {})}
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return func.HttpRequest("POST", "https://app/api/x", headers=headers, body=data, route_params=route_params or {})


def queued(payload) -> func.QueueMessage:
    return func.QueueMessage(body=json.dumps(payload).encode())


def answer(response: func.HttpResponse):
    return response.status_code, json.loads(response.get_body())


def test_ingestion_checks_the_token_then_queues_normalised_records(load_function, fake_azure):
    module = load_function("ingestion", INBOUND_TOKEN_SECRET="inbound-token",
                           PROCESSOR_QUEUE_URL=fake_azure.queue_url("processor"))
    envelope = build_envelope([{"iotDeviceId": "d1", "time": 1767261600, "temperature": 21.5}], "aws", "L2")
    assert answer(module.ingest(http(envelope, token="wrong")))[0] == 401
    assert answer(module.ingest(http(envelope, token=None)))[0] == 401
    assert answer(module.ingest(http(b"{not json")))[0] == 400
    status, body = answer(module.ingest(http(envelope)))
    assert status == 200 and body == {"status": "received", "trace_id": envelope["trace_id"], "count": 1}
    rid = contract_id(f"{envelope['trace_id']}:0")  # sent without an id: trace id and index
    assert fake_azure.queues["processor"] == [[{**RECORD, "record_id": rid}]]
    assert all("mi-token-for-https://storage.azure.com/" in h.get("Authorization", "")
               for m, p, h in fake_azure.requests if m == "POST")


def test_a_missing_setting_fails_the_cold_start_naming_it(load_function):
    with pytest.raises(ConfigurationError, match="PROCESSOR_QUEUE_URL is required"):
        load_function("ingestion", INBOUND_TOKEN_SECRET="inbound-token")


@pytest.mark.parametrize("encoded", [False, True])
def test_dispatcher_takes_the_device_id_from_the_hub(load_function, fake_azure, encoded):
    module = load_function("dispatcher", TARGET_QUEUE_URL=fake_azure.queue_url("processor"))
    body = {"iotDeviceId": "spoofed", "time": "2026-01-01T10:00:00Z", "temperature": 21.5}
    event = {"id": "4d2c1e0a-event", "eventType": "Microsoft.Devices.DeviceTelemetry", "data": {
        "systemProperties": {"iothub-connection-device-id": "d1"},
        "body": base64.b64encode(json.dumps(body).encode()).decode() if encoded else body}}
    module.dispatch(queued(event))
    assert fake_azure.queues["processor"] == [{**RECORD, "record_id": contract_id("azure:4d2c1e0a-event")}]


def test_dispatcher_gives_a_redelivered_event_the_same_record(load_function, fake_azure):
    """A clockless device gets the hub's enqueued time; Event Grid and the queue redeliver the same event id."""
    module = load_function("dispatcher", TARGET_QUEUE_URL=fake_azure.queue_url("processor"))
    event = {"id": "e-1", "eventTime": "2026-01-01T10:00:09Z", "data": {
        "systemProperties": {"iothub-connection-device-id": "d1", "iothub-enqueuedtime": "2026-01-01T10:00:05.1230000Z"},
        "body": {"temperature": 21.5, "record_id": "f" * 32}}}
    module.dispatch(queued(event))
    module.dispatch(queued(event))
    module.dispatch(queued({**event, "id": "e-2"}))
    first, again, other = fake_azure.queues["processor"]
    assert first == again == {"device_id": "d1", "timestamp": "2026-01-01T10:00:05.123Z",
                              "record_id": contract_id("azure:e-1"), "temperature": 21.5}
    assert other["record_id"] == contract_id("azure:e-2")


def test_processor_runs_the_users_code_then_queues_for_the_persister(load_function, fake_azure, tmp_path):
    (tmp_path / "processors" / "d1").mkdir(parents=True)
    (tmp_path / "processors" / "d1" / "process.py").write_text(
        "def process(event):\n    return {**event, 'temperature': event['temperature'] * 2}\n")
    module = load_function("processor", PERSISTER_QUEUE_URL=fake_azure.queue_url("persister"),
                           PROJECT_BUNDLE_DIR=tmp_path)
    module.process(queued([RECORD]))
    assert fake_azure.queues["persister"] == [[{**RECORD, "temperature": 43.0}]]


def test_persister_sends_remote_updates_the_twin_and_queues_the_checker(load_function, fake_azure):
    received = []
    server = LoopbackServer(lambda r: (received.append(json.loads(r.body)), json_reply(200, {"status": "received"}))[1]).start()
    try:
        fake_azure.secrets["hot-token"] = "hot-secret-value"
        module = load_function("persister", REMOTE_URL=server.url, REMOTE_TOKEN_SECRET="hot-token",
                               ADT_URL=fake_azure.url.replace("http://", "https://"),
                               EVENT_CHECKER_QUEUE_URL=fake_azure.queue_url("event-checker"))
        module.ADT_URL = fake_azure.url  # loopback: plain http
        module.persist(queued([RECORD]))
    finally:
        server.stop()
    assert received[0]["target_layer"] == "L3_hot" and received[0]["payload"] == [RECORD]
    assert server.requests[0].headers["X-Inter-Cloud-Token"] == "hot-secret-value"
    path, patch = fake_azure.patches[0]
    assert path.startswith("/digitaltwins/d1?")
    assert {"op": "add", "path": "/temperature", "value": 21.5} in patch
    assert fake_azure.queues["event-checker"] == [[RECORD]]


def test_persister_writes_cosmos_locally(load_function, fake_azure):
    module = load_function("persister", COSMOS_ENDPOINT="https://c", COSMOS_DATABASE="twin", COSMOS_CONTAINER="hot",
                           HOT_RETENTION_DAYS=30)
    store = CosmosHotStore(InMemoryCosmosContainer(), 30)
    module.persister = dataclasses.replace(module.persister, store=store.put)
    module.persist(queued(RECORD))
    assert store.latest("d1") == RECORD


def test_hot_reader_answers_reader_queries_with_the_token(load_function):
    module = load_function("hot_reader", INBOUND_TOKEN_SECRET="inbound-token", COSMOS_ENDPOINT="https://c",
                           COSMOS_DATABASE="twin", COSMOS_CONTAINER="hot")
    module.STORE = CosmosHotStore(InMemoryCosmosContainer(), 30)
    module.STORE.put([RECORD])
    query = {"device_id": "d1", "properties": ["temperature"], "start_time": "2026-01-01T00:00:00Z",
             "end_time": "2026-01-02T00:00:00Z"}
    assert answer(module.read_range(http(query))) == (
        200, {"items": [{"timestamp": RECORD["timestamp"], "values": {"temperature": 21.5}}], "next_token": None})
    assert answer(module.read_latest(http({"device_id": "d1", "properties": ["temperature"]})))[1]["values"] == {
        "temperature": 21.5}
    assert answer(module.read_range(http(query, token="nope")))[0] == 401
    assert answer(module.read_range(http({"device_id": "d1"})))[0] == 400


def test_hot_writer_is_idempotent(load_function):
    module = load_function("hot_writer", WRITER_TOKEN_SECRET="inbound-token", COSMOS_ENDPOINT="https://c",
                           COSMOS_DATABASE="twin", COSMOS_CONTAINER="hot", HOT_RETENTION_DAYS=30)
    module.STORE._container = container = InMemoryCosmosContainer()
    envelope = build_envelope([RECORD], "aws", "L3_hot")
    assert answer(module.write(http(envelope)))[0] == 200
    assert answer(module.write(http(envelope)))[0] == 200
    assert len(container.items) == 1


def test_event_checker_queues_actions_feedback_and_starts_the_workflow(load_function, fake_azure, tmp_path):
    rules = [
        {"condition": "x.y.temperature > DOUBLE(20)", "action": {"type": "function", "functionName": "cool-down",
                                                                    "feedback": {"iotDeviceId": "d1", "payload": "hot"}}},
        {"condition": "x.y.temperature > DOUBLE(21)", "action": {"type": "logic_app", "functionName": "a",
                                                                    "functionNameB": "b"}},
        {"condition": "x.y.temperature > DOUBLE(99)", "action": {"type": "function", "functionName": "never"}},
    ]
    (tmp_path / "config_events.json").write_text(json.dumps(rules))
    started = []
    workflow = LoopbackServer(lambda r: (started.append(r), json_reply(202, {}))[1]).start()
    fake_azure.secrets.update({"workflow-url": workflow.url + "workflows/run?sig=SECRET", "action-token": "act"})
    try:
        module = load_function("event_checker", PROJECT_BUNDLE_DIR=tmp_path,
                               EVENT_ACTIONS_QUEUE_URL=fake_azure.queue_url("event-actions"),
                               FEEDBACK_QUEUE_URL=fake_azure.queue_url("feedback"),
                               WORKFLOW_URL_SECRET="workflow-url", ACTION_TOKEN_SECRET="action-token")
        assert module.check(queued([RECORD])) == 2
    finally:
        workflow.stop()
    assert fake_azure.queues["event-actions"][0]["action"] == "cool-down"
    assert fake_azure.queues["feedback"][0] == {"device_id": "d1", "payload": "hot", "rule": rules[0]}
    body = json.loads(started[0].body)
    assert body["ActionToken"] == "act" and body["FunctionA_URL"].endswith("/api/event-actions/a")
    assert body["InputData"]["record"] == RECORD
    assert body["InputData"]["e"] == body["InputData"]["rule"] == rules[1]  # the predecessor's key for the rule
    assert "FunctionB_URL" in body and "FunctionA_Url" not in body


def test_event_checker_refuses_aws_only_actions(load_function, fake_azure, tmp_path):
    (tmp_path / "config_events.json").write_text(json.dumps(
        [{"condition": "a.b.c > DOUBLE(1)", "action": {"type": "step_function", "functionName": "a", "functionNameB": "b"}}]))
    with pytest.raises(ConfigurationError, match="does not run on Azure"):
        load_function("event_checker", PROJECT_BUNDLE_DIR=tmp_path, EVENT_ACTIONS_QUEUE_URL=fake_azure.queue_url("q"))


def test_event_actions_run_from_the_queue_and_over_http(load_function, tmp_path):
    folder = tmp_path / "event_actions" / "cool-down"
    folder.mkdir(parents=True)
    (folder / "action.py").write_text("def main(event):\n    return {'seen': event['record']['device_id']}\n")
    module = load_function("event_action", PROJECT_BUNDLE_DIR=tmp_path, ACTION_TOKEN_SECRET="inbound-token")
    assert module.run_queued(queued({"action": "cool-down", "rule": {}, "record": RECORD})) == {"seen": "d1"}
    status, body = answer(module.run_http(http({"record": RECORD}, route_params={"name": "cool-down"})))
    assert status == 200 and body["result"] == {"seen": "d1"}
    assert answer(module.run_http(http({}, route_params={"name": "../../etc"})))[0] == 400


def test_feedback_sets_the_device_twins_desired_property(load_function, fake_azure, monkeypatch):
    module = load_function("feedback", IOT_HUB_HOST="hub.example")
    calls = []
    from runtime.azure import rest

    monkeypatch.setattr(rest, "checked", lambda *args, **kwargs: calls.append(args) or (200, {}, b""))
    assert module.send(queued({"device_id": "d1", "payload": "slow down", "rule": {"condition": "c"}})) == "d1"
    method, url, headers, body = calls[0]
    assert method == "PATCH" and url.startswith("https://hub.example/twins/d1?")
    feedback = json.loads(body)["properties"]["desired"]["feedback"]
    assert feedback["message"] == "slow down" and feedback["rule"] == "c" and len(feedback["feedback_id"]) == 32
    assert headers["Authorization"] == "Bearer mi-token-for-https://iothubs.azure.net"


def test_adt_updater_patches_the_newest_record_per_device(load_function, fake_azure):
    module = load_function("adt_updater", UPDATER_TOKEN_SECRET="inbound-token", ADT_URL="https://adt.example")
    from runtime.azure.digital_twins import TwinUpdater
    from runtime.core.envelope import records_receiver

    module._receive = records_receiver(TWIN_UPDATE_LAYER, TwinUpdater(fake_azure.url).update)  # loopback: http
    older = {**RECORD, "timestamp": "2026-01-01T09:00:00.000Z", "temperature": 1.0}
    status, body = answer(module.update(http(build_envelope([RECORD, older], "aws", "L4"))))
    assert status == 200 and body["count"] == 2
    assert len(fake_azure.patches) == 1 and {"op": "add", "path": "/lastUpdate", "value": RECORD["timestamp"]} in fake_azure.patches[0][1]
    # ADT refuses properties its model does not declare: the record's id is not patched.
    assert {op["path"] for op in fake_azure.patches[0][1]} == {"/temperature", "/lastUpdate"}


def test_a_late_older_record_does_not_roll_a_twin_back(load_function, fake_azure):
    # A delivery retried after an outage arrives after newer readings: the twin keeps the newest.
    from runtime.azure.digital_twins import TwinUpdater

    fake_azure.twins["d1"] = {"lastUpdate": "2026-01-01T10:00:00.500Z", "temperature": 30.0}
    older = {**RECORD, "timestamp": "2026-01-01T10:00:00.400Z"}
    assert TwinUpdater(fake_azure.url).update([older]) == 0 and fake_azure.patches == []
    newer = {**RECORD, "timestamp": "2026-01-01T10:00:00.600Z"}
    assert TwinUpdater(fake_azure.url).update([newer]) == 1
    path, patch = fake_azure.patches[0]
    assert {"op": "add", "path": "/lastUpdate", "value": newer["timestamp"]} in patch
    patch_headers = next(headers for method, _, headers in fake_azure.requests if method == "PATCH")
    assert patch_headers["If-Match"] == 'W/"1"'  # conditional on the twin it read


def test_dt_data_connector_forwards_queries_with_the_bridge_token(load_function, fake_azure):
    server = LoopbackServer(lambda r: json_reply(200, {"items": [], "next_token": None})).start()
    fake_azure.secrets["reader-token"] = "bridge-secret"
    try:
        module = load_function("dt_data_connector", INBOUND_TOKEN_SECRET="inbound-token", REMOTE_URL=server.url,
                               REMOTE_LAST_ENTRY_URL=server.url, REMOTE_TOKEN_SECRET="reader-token")
        query = {"device_id": "d1", "properties": ["t"], "start_time": "2026-01-01T00:00:00Z",
                 "end_time": "2026-01-02T00:00:00Z"}
        assert answer(module.forward_range(http(query))) == (200, {"items": [], "next_token": None})
    finally:
        server.stop()
    assert server.requests[0].headers["X-Inter-Cloud-Token"] == "bridge-secret"
    assert json.loads(server.requests[0].body)["device_id"] == "d1"


def test_function_app_registers_only_the_layers_functions(load_function, fake_azure, monkeypatch):
    from runtime.azure.function_app import build_app

    monkeypatch.setenv("INBOUND_TOKEN_SECRET", "x")
    monkeypatch.setenv("PROCESSOR_QUEUE_URL", fake_azure.queue_url("p"))
    assert [f.get_function_name() for f in build_app("ingestion").get_functions()] == ["ingestion"]
    with pytest.raises(ValueError, match="unknown functions: nope"):
        build_app("ingestion,nope")


def test_queue_messages_stay_under_the_size_limit(fake_azure):
    from runtime.azure.queues import QueueClient

    records = [{**RECORD, "timestamp": f"2026-01-01T10:00:{i % 60:02d}.{i:03d}Z", "blob": "x" * 2000} for i in range(100)]
    assert QueueClient(fake_azure.queue_url("big")).send(records) > 1
    assert sum(len(m) for m in fake_azure.queues["big"]) == 100



def test_a_twin_update_digital_twins_refuses_is_bad_input_not_a_retry(load_function, fake_azure, monkeypatch):
    from runtime.azure import digital_twins, rest

    real = rest.checked

    def refuse(method, url, headers=None, body=None, allow=(), **kwargs):
        if method == "GET" and "/digitaltwins/" in url:  # the twin, read before the conditional patch
            twin = {"$dtId": "d1", "$etag": 'W/"1"', "$metadata": {"$model": DEVICE_MODEL["@id"]}}
            return 200, {}, json.dumps(twin).encode()
        if method == "GET" and "/models/" in url:  # its model: which properties the twin declares
            return 200, {}, json.dumps({"id": DEVICE_MODEL["@id"], "model": DEVICE_MODEL}).encode()
        if method != "PATCH":
            return real(method, url, headers, body, allow, **kwargs)
        raise rest.AzureRestError(method, url, 400, "ValidationFailed")

    monkeypatch.setattr(digital_twins.rest, "checked", refuse)
    module = load_function("adt_updater", UPDATER_TOKEN_SECRET="inbound-token", ADT_URL="https://adt.example")
    status, body = answer(module.update(http(build_envelope([RECORD], "aws", "L4"))))
    assert status == 400 and body["error"]["code"] == "rejected_by_digital_twins"


def test_azure_error_codes_are_shown_only_when_they_look_like_codes():
    from runtime.azure import rest

    assert rest._code(b'{"error": {"code": "SecretNotFound"}}') == "SecretNotFound"
    assert rest._code(b'{"error": {"code": "x\\r\\nforged"}}') is None
    assert rest._code(json.dumps({"error": {"code": "E" * 1_000_000}}).encode()) is None
    assert rest._code(b"<Error><Code>BlobNotFound</Code></Error>") == "BlobNotFound"


PREDECESSOR_FUNCTION_APP = """
import json
import os

import azure.functions as func

app = func.FunctionApp()


@app.function_name(name="alert")
@app.route(route="alert", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
def main(req: func.HttpRequest) -> func.HttpResponse:
    event = req.get_json()
    answer = {"rule": event["e"]["condition"], "twin": json.loads(os.environ["DIGITAL_TWIN_INFO"])["config"]["digital_twin_name"]}
    if event["e"]["condition"] == "fail":
        return func.HttpResponse("no", status_code=500)
    return func.HttpResponse(json.dumps(answer), status_code=200, mimetype="application/json")
"""


def test_predecessor_function_app_actions_run_with_the_payload_and_environment_they_expect(
    load_function, tmp_path, monkeypatch
):
    monkeypatch.delenv("DIGITAL_TWIN_INFO", raising=False)
    folder = tmp_path / "event_actions" / "alert"
    folder.mkdir(parents=True)
    (folder / "function_app.py").write_text(PREDECESSOR_FUNCTION_APP)
    (tmp_path / "digital_twin_info.json").write_text(json.dumps({"config": {"digital_twin_name": "plant"}}))
    module = load_function("event_action", PROJECT_BUNDLE_DIR=tmp_path, ACTION_TOKEN_SECRET="inbound-token")
    rule = {"condition": "x.y.temperature > DOUBLE(30)", "action": {"type": "function", "functionName": "alert"}}
    result = module.run_queued(queued({"action": "alert", "rule": rule, "record": RECORD}))
    assert result == {"rule": "x.y.temperature > DOUBLE(30)", "twin": "plant"}
    with pytest.raises(Exception, match="status 500"):
        module.run_queued(queued({"action": "alert", "rule": {"condition": "fail"}, "record": RECORD}))


def test_predecessor_function_app_processors_transform_records(load_function, fake_azure, tmp_path):
    folder = tmp_path / "processors" / "d1"
    folder.mkdir(parents=True)
    (folder / "function_app.py").write_text(
        "import json\nimport azure.functions as func\napp = func.FunctionApp()\n\n"
        "@app.route(route='d1-processor', methods=['POST'])\n"
        "def main(req: func.HttpRequest) -> func.HttpResponse:\n"
        "    event = req.get_json()\n    event['fahrenheit'] = event['temperature'] * 9 / 5 + 32\n"
        "    return func.HttpResponse(json.dumps(event), status_code=200)\n"
    )
    module = load_function("processor", PROJECT_BUNDLE_DIR=tmp_path, PERSISTER_QUEUE_URL=fake_azure.queue_url("persister"))
    (processed,) = module.process(queued([{**RECORD, "temperature": 100.0}]))
    assert processed["fahrenheit"] == 212.0 and processed["device_id"] == "d1"
