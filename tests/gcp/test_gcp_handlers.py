"""The Google handlers, each served by functions-framework on 127.0.0.1 and called over HTTP."""

from __future__ import annotations

import base64
import json
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest

from runtime.core.config import ConfigurationError
from runtime.core.envelope import build_envelope
from twin_contract.wire import HOT_STORAGE_LAYER, PROCESSING_LAYER
from runtime.core.http_client import DeliveryError
from runtime.core.mover import build_payloads
from tests.gcp.gcp_runtime import TOKEN_SECRET, device_list
from tests.runtime.runtime_testing import LoopbackServer, cold_object_key, contract_id, json_reply

EXAMPLE = "examples/factory-floor-gcp"
STORE = {"HOT_DATABASE": "twin-hot", "HOT_COLLECTION": "hot-data"}


def rec(device: str = "d1", second: int = 0, **values) -> dict:
    return {"device_id": device, "timestamp": f"2026-01-01T10:00:{second:02d}.000Z", "record_id": f"{second:032x}",
            **values}


@pytest.fixture
def recorder():
    servers = []

    def start(status: int = 200, body=None) -> LoopbackServer:
        servers.append(LoopbackServer(lambda request: json_reply(status, body or {"ok": True})).start())
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def test_hot_writer_stores_idempotently_and_rejects_bad_tokens(gcp_runtime, serve_function) -> None:
    writer = serve_function("hot_writer", INBOUND_TOKEN_SECRET=TOKEN_SECRET, HOT_RETENTION_DAYS=30, **STORE)
    envelope = build_envelope([rec(second=1, temperature=20.5), rec(second=2)], "aws", HOT_STORAGE_LAYER)
    assert writer.client().post(envelope) == {"status": "received", "trace_id": envelope["trace_id"], "count": 2}
    writer.client().post(envelope)  # a retried delivery
    assert len(gcp_runtime.firestore.collection("hot-data").docs) == 2
    with pytest.raises(DeliveryError) as refused:
        writer.client(token="wrong").post(envelope)
    assert refused.value.status == 401
    with pytest.raises(DeliveryError) as bad:
        writer.client().post({**envelope, "target_layer": PROCESSING_LAYER})
    assert bad.value.status == 400
    assert gcp_runtime.secret_manager.reads == [f"{TOKEN_SECRET}/versions/latest"]  # cached after the first read


def test_hot_readers_answer_neutral_queries(gcp_runtime, serve_function) -> None:
    from runtime.gcp.firestore_store import FirestoreHotStore

    FirestoreHotStore(gcp_runtime.firestore, "hot-data", 30).put([rec(second=s, temperature=20.0 + s) for s in range(5)])
    reader = serve_function("hot_reader", INBOUND_TOKEN_SECRET=TOKEN_SECRET, **STORE)
    last = serve_function("hot_reader_last_entry", INBOUND_TOKEN_SECRET=TOKEN_SECRET, **STORE)
    query = {"device_id": "d1", "properties": ["temperature"], "start_time": "2026-01-01T10:00:01Z",
             "end_time": "2026-01-01T10:00:03Z", "max_results": 2}
    page = reader.client().post(query)
    assert [item["values"]["temperature"] for item in page["items"]] == [21.0, 22.0] and page["next_token"]
    rest = reader.client().post({**query, "next_token": page["next_token"]})
    assert [item["timestamp"] for item in rest["items"]] == ["2026-01-01T10:00:03.000Z"] and rest["next_token"] is None
    assert last.client().post({"device_id": "d1", "properties": ["temperature"]}) == {
        "timestamp": "2026-01-01T10:00:04.000Z", "values": {"temperature": 24.0}
    }
    with pytest.raises(DeliveryError) as refused:
        last.client(token="").post({"device_id": "d1", "properties": []})
    assert "empty" in str(refused.value)


def test_ingestion_processor_persister_chain(gcp_runtime, serve_function) -> None:
    persister = serve_function("persister", HOT_RETENTION_DAYS=30, **STORE)
    processor = serve_function("processor", PERSISTER_URL=persister.url, PROJECT_BUNDLE_DIR=EXAMPLE)
    ingestion = serve_function("ingestion", INBOUND_TOKEN_SECRET=TOKEN_SECRET, PROCESSOR_URL=processor.url)
    envelope = build_envelope({"iotDeviceId": "press-01", "timestamp": 1767261600, "temperature": 212.0}, "aws", PROCESSING_LAYER)
    assert ingestion.client().post(envelope)["count"] == 1
    [stored] = gcp_runtime.firestore.collection("hot-data").docs.values()
    assert stored["device_id"] == "press-01" and stored["temperature"] == 100.0  # the device's processor ran
    rid = contract_id(f"{envelope['trace_id']}:0")  # sent without an id: the envelope's trace id and index
    assert stored["timestamp"] == f"2026-01-01T10:00:00.000Z#{rid}" and stored["record_id"] == rid


def test_dispatcher_forwards_pubsub_telemetry_with_an_id_token(gcp_runtime, serve_function, recorder) -> None:
    target = recorder()
    dispatcher = serve_function("dispatcher", "cloudevent", TARGET_URL=target.url, DEAD_LETTER_TOPIC="projects/p/topics/dead")

    def publish(data: bytes, publish_time: str, **attributes) -> int:
        body = {"message": {"data": base64.b64encode(data).decode(), "attributes": attributes, "messageId": "1",
                            "publishTime": publish_time}, "subscription": "projects/p/subscriptions/eventarc"}
        request = urllib.request.Request(dispatcher.url, data=json.dumps(body).encode(), method="POST", headers={
            "Content-Type": "application/json", "ce-id": "1", "ce-source": "//pubsub.googleapis.com/projects/p/topics/t",
            "ce-type": "google.cloud.pubsub.topic.v1.messagePublished", "ce-specversion": "1.0"})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    now = datetime.now(timezone.utc).isoformat()
    assert publish(b'{"device_id": "spoofed", "temperature": 21.5, "timestamp": 1767261600000}', now, device_id="press-01") == 200
    [forwarded] = target.requests
    assert json.loads(forwarded.body) == {"device_id": "press-01", "timestamp": "2026-01-01T10:00:00.000Z",
                                          "record_id": contract_id("google:1"), "temperature": 21.5}
    assert forwarded.headers["Authorization"] == f"Bearer id-token-for-{target.url}"
    # Never deliverable: dead-lettered at once and acknowledged.
    assert publish(b"not json", now, device_id="press-01") == 200
    assert gcp_runtime.publisher.messages[-1][0] == "projects/p/topics/dead"
    assert gcp_runtime.publisher.messages[-1][2]["dead_letter_reason"].startswith("invalid")
    # Target down: retried by Pub/Sub (a 5xx) while young, dead-lettered when too old.
    target.stop()
    assert publish(b'{"t": 1}', now, device_id="press-01") == 500
    old = (datetime.now(timezone.utc) - timedelta(hours=2)).isoformat()
    assert publish(b'{"t": 1}', old, device_id="press-01") == 200
    assert gcp_runtime.publisher.messages[-1][2]["dead_letter_reason"].startswith("undeliverable")


def test_dispatcher_gives_a_redelivered_message_the_same_record(gcp_runtime, serve_function, recorder) -> None:
    """Pub/Sub redelivers with the same messageId and publishTime: a clockless device's reading is stored once."""
    target = recorder()
    dispatcher = serve_function("dispatcher", "cloudevent", TARGET_URL=target.url, DEAD_LETTER_TOPIC="projects/p/topics/dead")
    data = base64.b64encode(b'{"temperature": 21.5, "record_id": "ffffffffffffffffffffffffffffffff"}').decode()

    def deliver(message_id: str) -> None:
        body = {"message": {"data": data, "attributes": {"device_id": "press-01"}, "messageId": message_id,
                            "publishTime": "2026-01-01T10:00:05.123456Z"}, "subscription": "projects/p/subscriptions/e"}
        request = urllib.request.Request(dispatcher.url, data=json.dumps(body).encode(), method="POST", headers={
            "Content-Type": "application/json", "ce-id": message_id, "ce-specversion": "1.0",
            "ce-source": "//pubsub.googleapis.com/projects/p/topics/t", "ce-type": "google.cloud.pubsub.topic.v1.messagePublished"})
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200

    deliver("42")
    deliver("42")
    deliver("43")
    first, again, other = (json.loads(request.body) for request in target.requests)
    assert first == again == {"device_id": "press-01", "timestamp": "2026-01-01T10:00:05.123Z",
                              "record_id": contract_id("google:42"), "temperature": 21.5}
    assert other["record_id"] == contract_id("google:43")


def test_event_checker_runs_functions_workflow_and_feedback(gcp_runtime, serve_function, recorder, monkeypatch,
                                                             storage_emulator) -> None:
    action = recorder()
    device_list(storage_emulator, "twin-devices-abc123", ["press-01"])
    feedback = serve_function(
        "feedback", FEEDBACK_TOPIC="projects/p/topics/feedback", DEVICE_REGISTRY_BUCKET="twin-devices-abc123"
    )
    checker = serve_function(
        "event_checker",
        PROJECT_BUNDLE_DIR=EXAMPLE,
        ACTION_URLS=json.dumps({"high-temperature-callback": action.url, "notify-operator": "https://a.example/",
                                "log-incident": "https://b.example/"}),
        WORKFLOW_NAME="projects/p/locations/r/workflows/w",
        FEEDBACK_URL=feedback.url,
    )
    started = []
    monkeypatch.setattr(checker.module, "start_workflow", lambda name, argument: started.append((name, argument)))
    records = [rec("press-01", temperature=95.0), rec("air-quality-01", co2ppm=1500), rec("press-02", temperature=20.0)]
    request = urllib.request.Request(checker.url, data=json.dumps(records).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert json.loads(response.read()) == {"fired": 2}
    assert json.loads(action.requests[0].body)["record"]["device_id"] == "press-01"
    [(name, argument)] = started
    assert name.endswith("/workflows/w") and argument["FunctionA_URL"] == "https://a.example/"
    assert argument["InputData"]["record"]["co2ppm"] == 1500
    [(topic, data, attributes)] = gcp_runtime.publisher.messages
    assert topic == "projects/p/topics/feedback" and attributes["device_id"] == "press-01"
    message = json.loads(data)
    assert message["message"] == "Temperature above 80 °C: slow down"
    assert attributes["feedback_id"] == message["feedback_id"]


def test_event_checker_refuses_actions_it_cannot_run(gcp_runtime, serve_function) -> None:
    with pytest.raises(ConfigurationError, match="ACTION_URLS has no function"):
        serve_function("event_checker", PROJECT_BUNDLE_DIR=EXAMPLE, ACTION_URLS="{}")


def test_cold_writer_and_archive_writer_store_mover_payloads_in_gcs(gcp_runtime, serve_function, storage_emulator) -> None:
    for bucket in ("cold", "archive"):
        storage_emulator.create_bucket(bucket)
    cold = serve_function("cold_writer", INBOUND_TOKEN_SECRET=TOKEN_SECRET, COLD_BUCKET_NAME="cold")
    archive = serve_function("archive_writer", INBOUND_TOKEN_SECRET=TOKEN_SECRET, ARCHIVE_BUCKET_NAME="archive")
    [payload] = build_payloads([rec(second=s, temperature=s) for s in range(3)], "aws")
    for writer, bucket in ((cold, "cold"), (archive, "archive")):
        assert writer.client().post(payload.to_dict())["count"] == 3
        blob = storage_emulator.bucket(bucket).blob(payload.object_key)
        assert json.loads(blob.download_as_bytes()) == payload.to_dict()
    with pytest.raises(DeliveryError) as bad:
        cold.client().post({**payload.to_dict(), "object_key": "elsewhere.json"})
    assert bad.value.status == 400


def test_hot_to_cold_moves_expired_records_into_the_cold_bucket(gcp_runtime, serve_function, storage_emulator) -> None:
    from runtime.gcp.firestore_store import FirestoreHotStore

    storage_emulator.create_bucket("cold")
    store = FirestoreHotStore(gcp_runtime.firestore, "hot-data", 30)
    recent = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    store.put([rec("d1", s, t=s) for s in range(3)] + [rec("d2", 0, t=9), {**rec("d1", 9), "timestamp": recent}])
    mover = serve_function("hot_to_cold", HOT_RETENTION_DAYS=30, COLD_BUCKET_NAME="cold", **STORE)
    request = urllib.request.Request(mover.url, data=b"{}", method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.loads(response.read()) == {"records": 4, "objects": 2}
    names = sorted(blob.name for blob in storage_emulator.list_blobs("cold"))
    assert names == [cold_object_key([rec("d1", s) for s in range(3)]), cold_object_key([rec("d2", 0)])]
    assert [r["timestamp"] for r in store.older_than("9999", 10)] == [recent]  # only the recent record is left


def test_hot_to_cold_makes_one_object_per_device_when_devices_interleave_in_time(
        gcp_runtime, serve_function, storage_emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fleet's oldest page holds about one record per device: moved page by page, every record
    would become an object of its own."""
    from runtime.gcp.firestore_store import FirestoreHotStore

    storage_emulator.create_bucket("cold")
    store = FirestoreHotStore(gcp_runtime.firestore, "hot-data", 30)
    store.put([rec(f"d{second % 3}", second) for second in range(9)])  # d0, d1, d2, d0, d1, ...
    mover = serve_function("hot_to_cold", HOT_RETENTION_DAYS=30, COLD_BUCKET_NAME="cold", **STORE)
    monkeypatch.setattr(mover.module, "PAGE_SIZE", 3)  # a page of three, one record of each device
    request = urllib.request.Request(mover.url, data=b"{}", method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.loads(response.read()) == {"records": 9, "objects": 3}
    assert sorted(blob.name for blob in storage_emulator.list_blobs("cold")) == [
        cold_object_key([rec(f"d{device}", second) for second in range(device, 9, 3)]) for device in range(3)]
    assert store.older_than("9999", 10) == []


def test_persister_updates_azure_twins_when_l4_is_azure(gcp_runtime, serve_function, recorder) -> None:
    updater = recorder(body={"status": "received", "trace_id": "t", "count": 1})
    gcp_runtime.secret_manager.values["projects/p/secrets/twin-update"] = "twin-update-token"
    persister = serve_function("persister", HOT_RETENTION_DAYS=30, TWIN_UPDATE_URL=updater.url,
                               TWIN_UPDATE_TOKEN_SECRET="projects/p/secrets/twin-update", **STORE)
    request = urllib.request.Request(persister.url, data=json.dumps([rec(temperature=1.5)]).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert json.loads(response.read()) == {"count": 1}
    [sent] = updater.requests
    envelope = json.loads(sent.body)
    assert envelope["target_layer"] == "L4" and envelope["source_cloud"] == "google"
    assert envelope["payload"] == [rec(temperature=1.5)] and sent.headers["X-Inter-Cloud-Token"] == "twin-update-token"
