"""Move one destination's parked messages back, each delivered before it is deleted.

Guarantees (README, "Operating a twin"):
- nothing is lost: a message leaves its dead-letter store only after its delivery succeeded;
  a message that cannot go back (wrong shape, its data expired, the target failed again) stays
  parked and is reported;
- nothing is duplicated by a re-run: delivered messages are journaled before they are deleted,
  so a run interrupted between the two deletes them next time without delivering them again.
  The one window left is a run killed *during* a delivery call: that message is delivered again
  (at least once); every receiver of the twin is idempotent on the record key (device id and
  timestamp), so the copy overwrites itself;
- a run ends: messages parked after it started (e.g. one that failed again while the run was
  going) are left for the next run instead of being cycled.
Messages a run holds but does not move are made visible again when it stops, also on Ctrl-C.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from twin_ops.redrive.journal import Journal

BATCH = 10


@dataclass(frozen=True)
class Parked:
    id: str  # stable across receives (SQS MessageId, Azure message id, Pub/Sub message id, blob#event)
    body: Any
    parked_at: float  # epoch seconds, the store's own clock
    handle: Any = None  # receipt handle, pop receipt, ack id


class Refused(Exception):
    """This message cannot go back now; it stays parked (the reason is reported)."""


class Source(Protocol):
    def receive(self, limit: int) -> list[Parked]: ...

    def delete(self, message: Parked) -> None: ...

    def release(self, message: Parked) -> None: ...

    def depth(self) -> int | None: ...


Deliver = Callable[[Parked], None]


@dataclass
class Outcome:
    moved: int = 0
    completed: int = 0  # delivered by an interrupted earlier run, deleted by this one
    newer: int = 0  # parked after the run started: left for the next run
    kept: list[str] = field(default_factory=list)  # "<id>: reason" of refused messages
    error: str | None = None  # the destination stopped (target missing, no permission, ...)

    @property
    def ok(self) -> bool:
        return self.error is None and not self.kept


def redrive(source: Source, deliver: Deliver, journal: Journal, key: str, started_at: float) -> Outcome:
    outcome = Outcome()
    held: list[Parked] = []  # received but not moved: released at the end
    in_hand: list[Parked] = []
    seen: set[str] = set()
    try:
        while True:
            in_hand = source.receive(BATCH)
            if not in_hand or all(message.id in seen for message in in_hand):
                held += in_hand  # reappeared after their visibility timeout: nothing new left
                in_hand = []
                break
            while in_hand:
                message = in_hand[0]
                if message.id in seen:
                    held.append(in_hand.pop(0))
                    continue
                seen.add(message.id)
                if journal.was_delivered(key, message.id):
                    source.delete(message)
                    journal.deleted(key, message.id)
                    outcome.completed += 1
                elif message.parked_at > started_at:
                    held.append(message)
                    outcome.newer += 1
                else:
                    try:
                        deliver(message)
                    except Refused as refused:
                        held.append(message)
                        outcome.kept.append(f"{message.id}: {refused}")
                        in_hand.pop(0)
                        continue
                    journal.delivered(key, message.id)
                    source.delete(message)
                    journal.deleted(key, message.id)
                    outcome.moved += 1
                in_hand.pop(0)
    except Exception as error:  # noqa: BLE001 - reported per destination; the others still run
        outcome.error = f"{type(error).__name__}: {error}"
    finally:
        for message in held + in_hand:
            try:
                source.release(message)
            except Exception:  # noqa: BLE001 - best effort: the visibility timeout releases it anyway
                pass
    return outcome
