"""The senders' retry policy (runtime/core/retry.py) against docs/runtime-contract.md "Sender
timing" and docs/design.md §5: 4 attempts, 0.2 s doubling to at most 5 s (or the receiver's
Retry-After), 10 s per attempt, 25 s in all; network errors, 5xx and 429 retried, other 4xx never.
Expected values are written out here from the contract."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from runtime.core.retry import RetryPolicy, backoff, next_delay, retry_after, retryable

POLICY = RetryPolicy()


def test_the_default_policy_is_the_contracts() -> None:
    assert (POLICY.max_attempts, POLICY.initial_delay, POLICY.max_delay, POLICY.deadline, POLICY.timeout) == (
        4, 0.2, 5.0, 25.0, 10.0)
    assert POLICY.max_response_bytes == 8 * 1024 * 1024


@pytest.mark.parametrize(("status", "retried"), [
    (500, True), (502, True), (503, True), (599, True), (429, True),
    (400, False), (401, False), (403, False), (404, False), (413, False), (428, False), (430, False), (499, False),
])
def test_which_answers_are_retried(status: int, retried: bool) -> None:
    assert retryable(status) is retried


@pytest.mark.parametrize(("attempt", "ceiling"), [(1, 0.2), (2, 0.4), (3, 0.8), (4, 1.6), (5, 3.2), (6, 5.0), (9, 5.0)])
def test_backoff_doubles_from_the_initial_delay_up_to_the_maximum_with_jitter_between_half_and_all(attempt, ceiling) -> None:
    assert backoff(POLICY, attempt, 0.0) == pytest.approx(ceiling / 2)
    assert backoff(POLICY, attempt, 0.5) == pytest.approx(ceiling * 0.75)
    assert backoff(POLICY, attempt, 1.0) == pytest.approx(ceiling)
    assert isinstance(backoff(POLICY, attempt, 0.3), float)


def test_retry_after_in_seconds_or_as_an_http_date() -> None:
    now = datetime(2026, 1, 1, 10, 0, 0, tzinfo=UTC)
    assert retry_after("3", now) == 3.0
    assert retry_after("2.5", now) == 2.5
    assert retry_after("0", now) == 0.0
    assert retry_after("-4", now) == 0.0
    assert retry_after(format_datetime(now + timedelta(seconds=7), usegmt=True), now) == 7.0
    assert retry_after(format_datetime(now - timedelta(seconds=7), usegmt=True), now) == 0.0
    for unreadable in (None, "", "soon", "Mon, 99 Foo 2026"):
        assert retry_after(unreadable, now) == 0.0
    assert 0.0 < retry_after(format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)) <= 60.0


def test_the_next_attempt_waits_the_backoff_or_the_longer_retry_after() -> None:
    assert next_delay(POLICY, 1, 0.0, 1.0) == pytest.approx(0.2)
    assert next_delay(POLICY, 2, 1.0, 0.0) == pytest.approx(0.2)
    assert next_delay(POLICY, 1, 0.0, 1.0, wait=3.0) == 3.0  # the receiver asked for more
    assert next_delay(POLICY, 3, 0.0, 1.0, wait=0.1) == pytest.approx(0.8)  # never less than the backoff


def test_no_attempt_after_the_last_or_past_the_deadline() -> None:
    assert next_delay(POLICY, 3, 0.0, 1.0) == pytest.approx(0.8)
    assert next_delay(POLICY, 4, 0.0, 1.0) is None  # 4 attempts made
    assert next_delay(POLICY, 5, 0.0, 1.0) is None
    assert next_delay(POLICY, 1, 24.7, 1.0) == pytest.approx(0.2)  # 24.9 s < 25 s
    assert next_delay(POLICY, 1, 24.8, 1.0) is None  # would start at the deadline itself
    assert next_delay(POLICY, 1, 24.9, 1.0) is None
    assert next_delay(POLICY, 1, 0.0, 1.0, wait=25.0) is None  # a Retry-After beyond the deadline: give up now
    assert next_delay(POLICY, 1, 0.0, 1.0, wait=24.9) == 24.9
    short = RetryPolicy(max_attempts=2, initial_delay=1.0, max_delay=1.5, deadline=100.0)
    assert next_delay(short, 1, 0.0, 1.0) == 1.0 and next_delay(short, 2, 0.0, 1.0) is None


def test_a_policy_cannot_be_changed_once_made() -> None:
    import dataclasses

    with pytest.raises(dataclasses.FrozenInstanceError):
        POLICY.max_attempts = 10  # type: ignore[misc]
