"""Redrive on Google: the dispatcher's dead-letter subscription back to the telemetry topic.

There is no Pub/Sub emulator without the gcloud SDK, so an in-memory subscription with Pub/Sub's
delivery rules (ack deadline, redelivery after a zero deadline, acknowledged messages gone)
stands in for the SubscriberClient/PublisherClient calls the redrive makes.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from google.api_core.exceptions import DeadlineExceeded

from twin_model.config import load_project
from twin_model.config.model import Provider
from twin_model.topology import plan_project
from tests.conftest import REPO
from twin_ops.cloud_clients import Clouds
from twin_ops.dead_letters import dead_letters
from twin_ops.redrive import gcp
from twin_ops.redrive.engine import redrive
from twin_ops.redrive.journal import Journal
from twin_ops.redrive.run import run_redrive

PROJECT = "twin-project-1234"
TWIN = "factory-floor-gcp"
SUBSCRIPTION = f"projects/{PROJECT}/subscriptions/{TWIN}-telemetry-dead-letter-retained"
TOPIC = f"projects/{PROJECT}/topics/{TWIN}-telemetry"


class FakePubSub:
    """One subscription and the topics published to."""

    def __init__(self, subscription: str) -> None:
        self.subscription = subscription
        self.messages: dict[str, SimpleNamespace] = {}  # message id → message
        self.leased: dict[str, str] = {}  # ack id → message id
        self.published: list[tuple[str, bytes, dict]] = []
        self._ids = itertools.count(1)

    def park(self, data: bytes, **attributes: str) -> None:
        message_id = str(next(self._ids))
        self.messages[message_id] = SimpleNamespace(
            message_id=message_id, data=data, attributes=attributes, publish_time=datetime(2026, 3, 1, tzinfo=timezone.utc))

    def pull(self, request, timeout):
        assert request["subscription"] == self.subscription
        free = [m for m in self.messages.values() if m.message_id not in self.leased.values()][: request["max_messages"]]
        if not free:
            raise DeadlineExceeded("no messages")
        received = []
        for message in free:
            ack_id = f"ack-{next(self._ids)}"
            self.leased[ack_id] = message.message_id
            received.append(SimpleNamespace(ack_id=ack_id, message=message))
        return SimpleNamespace(received_messages=received)

    def modify_ack_deadline(self, request):
        if request["ack_deadline_seconds"] == 0:
            for ack_id in request["ack_ids"]:
                self.leased.pop(ack_id, None)

    def acknowledge(self, request):
        for ack_id in request["ack_ids"]:
            self.messages.pop(self.leased.pop(ack_id), None)

    def publish(self, topic, data, **attributes):
        self.published.append((topic, data, attributes))
        return SimpleNamespace(result=lambda timeout: "server-id")


@pytest.fixture
def pubsub():
    fake = FakePubSub(SUBSCRIPTION)
    for i in range(12):
        fake.park(f'{{"temperature": {i}}}'.encode(), device_id=f"press-{i % 2:02d}",
                  dead_letter_reason="undeliverable: HTTP 503")
    return fake


def expected(fake_data=range(12)):
    return sorted((TOPIC, f'{{"temperature": {i}}}'.encode(), {"device_id": f"press-{i % 2:02d}"}) for i in fake_data)


def test_dead_lettered_telemetry_is_published_again_without_the_reason(pubsub, tmp_path):
    outcome = redrive(gcp.DeadLetterSubscription(pubsub, SUBSCRIPTION), gcp.to_topic(pubsub, TOPIC),
                      Journal(tmp_path / "j"), "k", 4e9)
    assert outcome.moved == 12 and outcome.ok
    assert sorted(pubsub.published) == expected()
    assert pubsub.messages == {}


def test_interrupted_half_way_and_run_again_each_message_is_published_once(pubsub, tmp_path):
    class CtrlC(gcp.DeadLetterSubscription):
        acks = 0

        def delete(self, message):
            CtrlC.acks += 1
            if CtrlC.acks == 4:
                raise KeyboardInterrupt
            super().delete(message)

    journal = tmp_path / "journal.jsonl"
    with pytest.raises(KeyboardInterrupt):
        redrive(CtrlC(pubsub, SUBSCRIPTION), gcp.to_topic(pubsub, TOPIC), Journal(journal), "k", 4e9)
    assert len(pubsub.published) == 4 and len(pubsub.messages) == 9 and pubsub.leased == {}
    outcome = redrive(gcp.DeadLetterSubscription(pubsub, SUBSCRIPTION), gcp.to_topic(pubsub, TOPIC), Journal(journal), "k", 4e9)
    assert (outcome.moved, outcome.completed) == (8, 1)
    assert sorted(pubsub.published) == expected()
    assert pubsub.messages == {}


def test_run_redrive_over_the_google_example(pubsub, tmp_path):
    config = load_project(REPO / "examples" / "factory-floor-gcp")
    destinations = tuple(d for d in dead_letters(config, plan_project(config)) if d.cloud is Provider.GOOGLE)
    monitoring = SimpleNamespace(get=lambda url, params, timeout: SimpleNamespace(
        raise_for_status=lambda: None,
        json=lambda: {"timeSeries": [{"points": [{"value": {"int64Value": str(len(pubsub.messages))}}]}]}))
    clients = SimpleNamespace(project=PROJECT, subscriber=lambda: pubsub, publisher=lambda: pubsub, session=lambda: monitoring)
    clouds = Clouds({Provider.GOOGLE: lambda: clients})
    lines: list[str] = []
    assert run_redrive(TWIN, destinations, clouds, Journal(tmp_path / "j"), dry_run=True, echo=lines.append) == 0
    assert f"[l1] {TWIN}-telemetry-dead-letter-retained → {TWIN}-telemetry: 12 parked" in lines and pubsub.published == []
    code = run_redrive(TWIN, destinations, clouds, Journal(tmp_path / "j"), echo=lines.append)
    assert code == 0
    assert f"[l1] {TWIN}-telemetry-dead-letter-retained → {TWIN}-telemetry: 12 moved" in lines
    assert sorted(pubsub.published) == expected()
