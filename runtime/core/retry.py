"""The bridge senders' retry policy (docs/design.md §5; docs/runtime-contract.md "Sender timing"):
which answers are tried again, how long to wait before the next attempt, when to give up.

Pure functions of the policy, the attempt and the clock the caller reads, so the rules are tested
apart from the sockets (runtime/core/http_client.py applies them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    initial_delay: float = 0.2  # seconds before the 2nd attempt, doubled each time
    max_delay: float = 5.0
    deadline: float = 25.0  # seconds for all attempts and waits together
    timeout: float = 10.0  # seconds per attempt, from connect to the answer's last byte
    max_response_bytes: int = 8 * 1024 * 1024  # a longer answer is refused, unread


def retryable(status: int) -> bool:
    """A non-2xx answer worth another attempt: 429 and 5xx. Any other 4xx will never succeed.
    (A network error, with no answer at all, is always retried.)"""
    return status == 429 or status >= 500


def backoff(policy: RetryPolicy, attempt: int, jitter: float) -> float:
    """Seconds to wait after failed attempt `attempt` (1, 2, ...): the initial delay doubled per
    attempt, at most `max_delay`, times a factor in [0.5, 1] from `jitter` in [0, 1)."""
    ceiling = min(policy.max_delay, policy.initial_delay * 2 ** (attempt - 1))
    return float(ceiling * (0.5 + jitter / 2))


def retry_after(value: str | None, now: datetime | None = None) -> float:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date); 0 if absent or unreadable."""
    if not value:
        return 0.0
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - (now or datetime.now(UTC))).total_seconds())
    except (TypeError, ValueError):
        return 0.0


def next_delay(policy: RetryPolicy, attempt: int, elapsed: float, jitter: float, wait: float = 0.0) -> float | None:
    """Seconds to wait before the attempt after `attempt` (`wait`: the receiver's Retry-After, which
    a shorter backoff never undercuts), or None: the attempts or the deadline are used up."""
    delay = max(backoff(policy, attempt, jitter), wait)
    if attempt >= policy.max_attempts or elapsed + delay >= policy.deadline:
        return None
    return delay
