"""The redrive engine over an in-memory dead-letter store: deliver before delete, journal in
between, nothing moved twice by a re-run, nothing cycled forever, held messages released."""

from __future__ import annotations

import pytest

from twin_ops.redrive.engine import Parked, Refused, redrive
from twin_ops.redrive.journal import Journal

STARTED = 1_000.0


class MemoryStore:
    """Messages with visibility, as SQS or a Storage queue keep them (no timeouts needed here)."""

    def __init__(self, bodies, parked_at=STARTED - 10) -> None:
        self.messages = {f"m{i}": Parked(f"m{i}", body, parked_at, f"h{i}") for i, body in enumerate(bodies)}
        self.invisible: set[str] = set()
        self.fail_delete_at: int | None = None
        self.deletes = 0

    def receive(self, limit):
        batch = [m for k, m in self.messages.items() if k not in self.invisible][:limit]
        self.invisible.update(m.id for m in batch)
        return batch

    def delete(self, message):
        self.deletes += 1
        if self.fail_delete_at == self.deletes:
            raise KeyboardInterrupt  # the operator's Ctrl-C, between delivery and deletion
        del self.messages[message.id]
        self.invisible.discard(message.id)

    def release(self, message):
        self.invisible.discard(message.id)

    def depth(self):
        return len(self.messages)


@pytest.fixture
def journal(tmp_path):
    return Journal(tmp_path / "journal.jsonl")


def test_every_message_is_delivered_once_then_deleted(journal):
    store, delivered = MemoryStore(range(23)), []
    outcome = redrive(store, lambda m: delivered.append(m.body), journal, "q", STARTED)
    assert sorted(delivered) == list(range(23)) and store.messages == {}
    assert (outcome.moved, outcome.kept, outcome.error) == (23, [], None)
    journal.close()
    assert not journal.path.exists()


def test_interrupted_between_delivery_and_deletion_the_rerun_does_not_deliver_again(tmp_path):
    store, delivered = MemoryStore(range(12)), []
    store.fail_delete_at = 5
    with pytest.raises(KeyboardInterrupt):
        redrive(store, lambda m: delivered.append(m.body), Journal(tmp_path / "j"), "q", STARTED)
    assert len(delivered) == 5 and len(store.messages) == 8  # the 5th was delivered, not deleted
    assert store.invisible == set(), "held messages are released on Ctrl-C"
    store.fail_delete_at = None
    journal = Journal(tmp_path / "j")  # a new process reads what the first one wrote
    assert journal.pending == 1
    outcome = redrive(store, lambda m: delivered.append(m.body), journal, "q", STARTED)
    assert sorted(delivered) == list(range(12)), "each message delivered exactly once over both runs"
    assert (outcome.moved, outcome.completed) == (7, 1) and store.messages == {}
    journal.close()
    assert not journal.path.exists()


def test_a_failing_delivery_stops_the_destination_and_loses_nothing(journal):
    store, delivered = MemoryStore(range(6)), []

    def deliver(message):
        if message.body == 3:
            raise ConnectionError("target unreachable")
        delivered.append(message.body)

    outcome = redrive(store, deliver, journal, "q", STARTED)
    assert delivered == [0, 1, 2] and sorted(m.body for m in store.messages.values()) == [3, 4, 5]
    assert outcome.error == "ConnectionError: target unreachable" and not outcome.ok
    assert store.invisible == set()


def test_refused_messages_stay_parked_and_are_reported(journal):
    store = MemoryStore(["good", "bad", "good"])

    def deliver(message):
        if message.body == "bad":
            raise Refused("not an on-failure record")

    outcome = redrive(store, deliver, journal, "q", STARTED)
    assert outcome.moved == 2 and outcome.kept == ["m1: not an on-failure record"]
    assert [m.body for m in store.messages.values()] == ["bad"] and store.invisible == set()


def test_messages_parked_after_the_run_started_are_left_for_the_next_run(journal):
    store = MemoryStore(range(3), parked_at=STARTED + 1)
    outcome = redrive(store, lambda m: pytest.fail("must not deliver"), journal, "q", STARTED)
    assert (outcome.moved, outcome.newer) == (0, 3) and len(store.messages) == 3 and store.invisible == set()


def test_reappearing_messages_end_the_run(journal):
    """A store that hands the same (refused) message out again, as after a visibility timeout."""

    class Reappearing(MemoryStore):
        def receive(self, limit):
            return list(self.messages.values())[:limit]

    store = Reappearing(["bad"])
    outcome = redrive(store, lambda m: (_ for _ in ()).throw(Refused("no")), journal, "q", STARTED)
    assert outcome.kept == ["m0: no"]


def test_journal_ignores_a_torn_last_line_and_keeps_appending(tmp_path):
    path = tmp_path / "j"
    journal = Journal(path)
    journal.delivered("q", "a")
    with path.open("a") as handle:
        handle.write('{"key": "q", "id": "b", "ev')  # the process died mid-write
    reread = Journal(path)
    assert reread.was_delivered("q", "a") and not reread.was_delivered("q", "b")
    reread.delivered("q", "c")
    assert Journal(path).was_delivered("q", "c")
    reread.deleted("q", "a")
    reread.deleted("q", "c")
    reread.close()
    assert not path.exists()
