"""Redrive on Azure against Azurite: poison queues back to their queues and Event Grid's
dead-lettered telemetry back to the telemetry queue, each message once, also across a run
interrupted half-way. Message texts are what the Functions host and Event Grid write (base64
JSON; Event Grid's dead-letter blob is a JSON array of events with its delivery fields)."""

from __future__ import annotations

import base64
import contextlib
import json
import xml.etree.ElementTree as ET

import pytest

from twin_model.config import load_project
from twin_model.config.model import Provider
from twin_model.topology import plan_project
from tests.conftest import REPO
from tests.ops.conftest import AZURE_TWIN, AZURITE_ACCOUNTS, Azurite
from twin_ops.azure_storage import BlobService, QueueService, StorageError
from twin_ops.cloud_clients import AzureClients, Clouds
from twin_ops.dead_letters import Kind, dead_letters
from twin_ops.redrive import azure
from twin_ops.redrive.engine import redrive
from twin_ops.redrive.journal import Journal
from twin_ops.redrive.run import run_redrive

L1_ACCOUNT, L2_ACCOUNT = AZURITE_ACCOUNTS
STARTED = 4e9  # every message was parked before the run


@pytest.fixture
def queues(azurite: Azurite) -> QueueService:
    service = QueueService(azurite.endpoint(L2_ACCOUNT, "queue"), Azurite.signer)
    for name in ("processor", "processor-poison", "persister", "persister-poison"):
        service.create(name)
        service.call("DELETE", f"{name}/messages")  # clear what an earlier test left
    return service


@pytest.fixture
def l1(azurite: Azurite) -> tuple[QueueService, BlobService]:
    queue_service = QueueService(azurite.endpoint(L1_ACCOUNT, "queue"), Azurite.signer)
    blobs = BlobService(azurite.endpoint(L1_ACCOUNT, "blob"), Azurite.signer)
    for name in ("telemetry", "telemetry-poison"):
        queue_service.create(name)
        queue_service.call("DELETE", f"{name}/messages")
    blobs.create_container("telemetry-deadletter")
    for blob in blobs.list("telemetry-deadletter"):
        blobs.delete("telemetry-deadletter", blob.name)
    return queue_service, blobs


def host_message(record: dict) -> str:
    """A queue message as the Functions host and the runtime write it: base64 of the JSON."""
    return base64.b64encode(json.dumps(record).encode()).decode()


def texts(service: QueueService, queue: str) -> list[str]:
    _, _, payload = service.call("GET", f"{queue}/messages", {"peekonly": "true", "numofmessages": "32"})
    return [node.findtext("MessageText") for node in ET.fromstring(payload).iter("QueueMessage")]


def records(n: int) -> list[dict]:
    return [{"device_id": "press-01", "timestamp": f"2026-03-01T10:00:{i:02d}.000Z", "temperature": i} for i in range(n)]


def test_poison_messages_go_back_to_their_queue_with_the_same_text(queues, tmp_path):
    sent = [host_message(r) for r in records(20)]
    for text in sent:
        queues.put_message("processor-poison", text)
    outcome = redrive(azure.PoisonQueue(queues, "processor-poison"), azure.to_queue(queues, "processor"),
                      Journal(tmp_path / "j"), "k", STARTED)
    assert outcome.moved == 20 and outcome.ok
    assert sorted(texts(queues, "processor")) == sorted(sent)
    assert queues.approximate_count("processor-poison") == 0


def test_interrupted_half_way_and_run_again_each_poison_message_arrives_once(queues, tmp_path):
    sent = [host_message(r) for r in records(15)]
    for text in sent:
        queues.put_message("persister-poison", text)

    class CtrlC(azure.PoisonQueue):
        deletes = 0

        def delete(self, message):
            CtrlC.deletes += 1
            if CtrlC.deletes == 6:
                raise KeyboardInterrupt
            super().delete(message)

    journal = tmp_path / "journal.jsonl"
    with pytest.raises(KeyboardInterrupt):
        redrive(CtrlC(queues, "persister-poison"), azure.to_queue(queues, "persister"), Journal(journal), "k", STARTED)
    assert len(texts(queues, "persister")) == 6 and queues.approximate_count("persister-poison") == 10
    outcome = redrive(azure.PoisonQueue(queues, "persister-poison"), azure.to_queue(queues, "persister"),
                      Journal(journal), "k", STARTED)
    assert (outcome.moved, outcome.completed) == (9, 1)
    assert sorted(texts(queues, "persister")) == sorted(sent), "none lost, none twice"
    assert queues.approximate_count("persister-poison") == 0


def telemetry_event(event_id: str, device: str, body: dict) -> dict:
    """An IoT Hub telemetry event as Event Grid dead-letters it (EventGridSchema plus its
    dead-letter fields)."""
    return {
        "id": event_id,
        "topic": "/SUBSCRIPTIONS/0000/RESOURCEGROUPS/FACTORY-FLOOR-AZ-L1-RG/PROVIDERS/MICROSOFT.DEVICES/IOTHUBS/HUB",
        "subject": f"devices/{device}",
        "eventType": "Microsoft.Devices.DeviceTelemetry",
        "eventTime": "2026-03-01T10:00:00.000Z",
        "data": {"properties": {}, "systemProperties": {"iothub-connection-device-id": device}, "body": body},
        "dataVersion": "",
        "metadataVersion": "1",
        "deadLetterReason": "MaxDeliveryAttemptsExceeded",
        "deliveryAttempts": 30,
        "lastDeliveryOutcome": "Forbidden",
        "publishTime": "2026-03-01T10:00:00.100Z",
        "lastDeliveryAttemptTime": "2026-03-02T10:00:00.000Z",
    }


DEAD_LETTER_KEYS = {"deadLetterReason", "deliveryAttempts", "lastDeliveryOutcome", "publishTime", "lastDeliveryAttemptTime"}


def queued_events(service: QueueService) -> list[dict]:
    return [json.loads(base64.b64decode(text)) for text in texts(service, "telemetry")]


def test_dead_lettered_telemetry_events_go_to_the_telemetry_queue_as_event_grid_delivers_them(l1, tmp_path):
    queue_service, blobs = l1
    first = [telemetry_event(f"e{i}", "press-01", {"temperature": i}) for i in range(3)]
    second = [telemetry_event("e9", "press-02", {"temperature": 9})]
    blobs.put("telemetry-deadletter", "hub-events/telemetry/2026/03/02/10/a.json", json.dumps(first).encode())
    blobs.put("telemetry-deadletter", "hub-events/telemetry/2026/03/02/11/b.json", json.dumps(second).encode())
    blobs.put("telemetry-deadletter", "hub-events/telemetry/2026/03/02/12/c.json", b"not events")
    outcome = redrive(azure.EventGridDeadLetters(blobs, "telemetry-deadletter"), azure.event_to_queue(queue_service, "telemetry"),
                      Journal(tmp_path / "j"), "k", STARTED)
    assert outcome.moved == 4 and len(outcome.kept) == 1 and "JSON array" in outcome.kept[0]
    expected = [{k: v for k, v in event.items() if k not in DEAD_LETTER_KEYS} for event in first + second]
    assert sorted(queued_events(queue_service), key=lambda e: e["id"]) == expected
    assert [b.name for b in blobs.list("telemetry-deadletter")] == ["hub-events/telemetry/2026/03/02/12/c.json"]


def test_an_interrupted_event_grid_redrive_leaves_only_unmoved_events_in_the_blob(l1, tmp_path):
    queue_service, blobs = l1
    events = [telemetry_event(f"e{i}", "press-01", {"temperature": i}) for i in range(4)]
    blobs.put("telemetry-deadletter", "x/a.json", json.dumps(events).encode())

    class CtrlC(azure.EventGridDeadLetters):
        deletes = 0

        def delete(self, message):
            CtrlC.deletes += 1
            if CtrlC.deletes == 3:
                raise KeyboardInterrupt
            super().delete(message)

    journal = tmp_path / "journal.jsonl"
    with pytest.raises(KeyboardInterrupt):
        redrive(CtrlC(blobs, "telemetry-deadletter"), azure.event_to_queue(queue_service, "telemetry"), Journal(journal), "k", STARTED)
    assert [e["id"] for e in json.loads(blobs.get("telemetry-deadletter", "x/a.json"))] == ["e2", "e3"]
    outcome = redrive(azure.EventGridDeadLetters(blobs, "telemetry-deadletter"), azure.event_to_queue(queue_service, "telemetry"),
                      Journal(journal), "k", STARTED)
    assert (outcome.moved, outcome.completed) == (1, 1)
    assert sorted(e["id"] for e in queued_events(queue_service)) == ["e0", "e1", "e2", "e3"]
    assert blobs.list("telemetry-deadletter") == []


def test_run_redrive_over_the_azure_example(azurite, queues, l1, tmp_path):
    queue_service, _ = l1
    config = load_project(REPO / "examples" / "factory-floor-azure")
    destinations = dead_letters(config, plan_project(config))
    assert config.name == AZURE_TWIN
    clients = AzureClients(Azurite.signer, tokens=lambda scope: "unused", endpoint=azurite.endpoint)
    # The emulator is the session's: start from no parked message anywhere in the twin (another
    # module's test may have parked some in a poison queue this run would then try to move).
    for destination in destinations:
        if destination.kind is Kind.AZURE_POISON:
            with contextlib.suppress(StorageError):  # a queue the host has not made
                clients.queues(destination.account).call("DELETE", f"{destination.source}/messages")
    queue_service.put_message("telemetry-poison", host_message(telemetry_event("e1", "press-01", {"t": 1})))
    queues.put_message("processor-poison", host_message(records(1)[0]))
    clouds = Clouds({Provider.AZURE: lambda: clients})
    lines: list[str] = []

    assert run_redrive(AZURE_TWIN, destinations, clouds, Journal(tmp_path / "j"), dry_run=True, echo=lines.append) == 0
    assert f"[l1] {L1_ACCOUNT}/telemetry-poison → telemetry: 1 parked" in lines
    assert f"[l2] {L2_ACCOUNT}/processor-poison → processor: 1 parked" in lines
    assert f"[l2] {L2_ACCOUNT}/feedback-poison → feedback: 0 parked" in lines  # not made by the host yet

    lines.clear()
    assert run_redrive(AZURE_TWIN, destinations, clouds, Journal(tmp_path / "j"), echo=lines.append) == 0
    assert lines[-1] == "# 2 moved, 0 finished from an interrupted run, 0 kept"
    assert len(texts(queue_service, "telemetry")) == 1 and len(texts(queues, "processor")) == 1
