"""What makes a local run hopeless (twin_ops/local/ledger.py): a failure no retry can undo."""

from __future__ import annotations

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
