"""What makes a local run hopeless (twin_ops/local/ledger.py): a failure no retry can undo."""

from __future__ import annotations

import pytest

from twin_ops.local.ledger import Ledger


def test_a_retried_error_leaves_the_run_open_a_dead_letter_or_a_refused_grant_closes_it():
    ledger = Ledger()
    ledger.report([{"label": "l2/Processor", "function": "handler", "ok": False, "error": "boom", "disposition": "retry"}])
    assert ledger.doomed_at is None  # the retry may still carry the record
    ledger.report([{"label": "l2/Persister", "function": "IAM", "ok": False, "error": "AccessDenied: ...", "disposition": "denied"}])
    assert ledger.doomed_at is not None
    assert [(f.where, f.final) for f in ledger.failures] == [("l2/Processor:handler", False), ("l2/Persister:IAM", True)]

    dead = Ledger()
    dead.fail("push to eventarc-x", "HTTP 500")
    assert dead.doomed_at is None
    dead.dead_letter("push to eventarc-x", "undelivered after 8 attempts")
    assert dead.doomed_at is not None and dead.counts["dead-lettered"] == 1


class FakeClock:
    """time for the ledger: sleep() moves the clock and runs what the test scheduled for then."""

    def __init__(self) -> None:
        self.now, self.slept, self.at = 0.0, 0.0, []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds
        assert self.slept < 60, "still waiting after a minute: the wait never gives up"
        for when, action in [entry for entry in self.at if entry[0] <= self.now]:
            self.at.remove((when, action))
            action()


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr("twin_ops.local.ledger.time", fake)
    return fake


def test_publishers_wait_while_the_backlog_is_full_and_go_on_as_it_drains(clock):
    ledger = Ledger()
    ledger.add("published", 10)
    ledger.add("processed", 2)
    ledger.wait_for_room("published", "processed", 10)  # 8 ahead: room
    assert clock.slept == 0
    ledger.add("published", 2)  # 10 ahead: full
    clock.at.append((1.0, lambda: ledger.add("processed")))
    clock.at.append((3.0, lambda: ledger.add("processed")))  # 2 s later: still within the stall allowance
    ledger.add("published")
    ledger.wait_for_room("published", "processed", 10, stall=2.5, poll=0.5)
    assert clock.slept == 3.0  # 11 ahead until 1.0, 10 until 3.0, 9 then


def test_a_stalled_pipeline_holds_the_publishers_back_once_not_at_every_message(clock):
    ledger = Ledger()
    ledger.add("published", 10)
    ledger.wait_for_room("published", "processed", 10, stall=5.0, poll=0.5)
    assert clock.slept == 5.0  # nothing moved for 5 s: given up on
    ledger.add("published")
    ledger.wait_for_room("published", "processed", 10, stall=5.0, poll=0.5)
    assert clock.slept == 5.0  # still nothing moved: no second wait
    ledger.add("processed")  # it moves again: the window holds again
    ledger.add("published")
    clock.at.append((clock.now + 1.0, lambda: ledger.add("processed", 3)))
    ledger.wait_for_room("published", "processed", 10, stall=5.0, poll=0.5)
    assert clock.slept == 6.0


# What a successful invocation counts for, from the runtime contract: a processor returns its
# records (a list, which the host reports as its length, or {"count"}), an event checker the rules
# that fired (a number or {"fired"}); every other role counts once, whatever it returns.
COUNTS = [
    ("processed", 3, 3), ("processed", {"count": 2, "failed": 9}, 2), ("processed", {"failed": 9}, 1), ("processed", None, 1),
    ("events fired", 2, 2), ("events fired", {"fired": 1}, 1), ("events fired", {}, 0), ("events fired", None, 0),
    ("ingested", 7, 1), ("actions run", {"count": 4, "fired": 4}, 1),
]


@pytest.mark.parametrize("counter, result, expected", COUNTS)
def test_an_invocation_counts_its_records_or_fired_rules_else_once(counter, result, expected):
    ledger = Ledger()
    ledger.classify = lambda label, function: counter
    ledger.report([{"label": "stack/fn", "function": "handler", "ok": True, "result": result}])
    assert ledger.get(counter) == expected
