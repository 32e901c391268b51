"""What a local run counts: each hop's records, the work still in flight, and every failure."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

OUTAGE = "__outage__"  # what a host reports for a request it refused during an injected outage
Classifier = Callable[[str, str], str | None]  # (host label, function name) → counter name


ERROR, RETRY, DEAD_LETTER = "errors", "retries", "dead-lettered"


@dataclass
class Failure:
    where: str
    error: str
    at: float = field(default_factory=time.monotonic)
    kind: str = ERROR  # or DEAD_LETTER: the platform gave the message up (dead-letter queue, poison queue, dropped)
    final: bool = False  # no retry can undo it: a dead letter, or a call the grants refuse (they do not change in a run)


class Ledger:
    """Thread-safe counters. `busy` counts work the platform holds (queued, running, waiting to
    retry) so the runner can tell a quiet twin from one still moving data."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.failures: list[Failure] = []
        self.by_function: dict[str, Counter[str]] = {}  # "<label>:<function>" → errors, retries, dead-lettered
        self._busy = 0
        self._last_activity = time.monotonic()
        self.classify: Classifier = lambda label, function: None
        self.events: dict[str, Callable[[Any], None]] = {}  # what the platform does on a host's event (an S3 write)
        self._stalled: dict[str, int] = {}  # a counter's value when a wait_for_room gave up on it
        self.doomed_at: float | None = None  # when the first final failure came: the run cannot pass any more

    def add(self, name: str, amount: int = 1) -> None:
        with self._lock:
            self.counts[name] += amount
            self._last_activity = time.monotonic()

    def get(self, name: str) -> int:
        with self._lock:
            return self.counts[name]

    def fail(self, where: str, error: str, final: bool = False) -> None:
        """A function (or a platform step: a workflow, a push) failed once; `final`: a call its
        grants refuse, which every retry would see refused again."""
        self._record(where, ERROR, error, final)

    def retry(self, where: str) -> None:
        """The platform runs a failed invocation again (async retry, redelivery, dequeue)."""
        self._record(where, RETRY)

    def dead_letter(self, where: str, error: str) -> None:
        """The platform gave a message up after its last attempt (on-failure destination, poison queue, drop)."""
        self._record(where, DEAD_LETTER, error, True)

    def _record(self, where: str, kind: str, error: str | None = None, final: bool = False) -> None:
        with self._lock:
            if error is not None:
                self.failures.append(Failure(where, error, kind=kind, final=final))
                if final and self.doomed_at is None:
                    self.doomed_at = time.monotonic()
            self.counts["function errors" if kind == ERROR else kind] += 1
            self.by_function.setdefault(where, Counter())[kind] += 1
            self._last_activity = time.monotonic()

    def begin(self) -> None:
        with self._lock:
            self._busy += 1
            self._last_activity = time.monotonic()

    def end(self) -> None:
        with self._lock:
            self._busy -= 1
            self._last_activity = time.monotonic()

    def execute(self, where: str, run: Callable[[], Any]) -> None:
        """A workflow execution (Step Functions, Logic Apps, Workflows), run in the background as
        the service runs it: in flight until it ends, counted once it succeeded, a failure of `where` else."""
        def execution() -> None:
            try:
                run()
                self.add("workflow executions")
            except Exception as exc:  # noqa: BLE001 - a failed execution, as the service's history records it
                self.fail(where, f"{type(exc).__name__}: {exc}")
            finally:
                self.end()

        self.begin()
        threading.Thread(target=execution, daemon=True).start()

    def wait_for_room(self, ahead: str, behind: str, limit: int, stall: float = 5.0, poll: float = 0.05) -> None:
        """Block while counter `ahead` leads `behind` by `limit` or more. Once `behind` stood still
        for `stall` seconds, nobody waits until it moves again: records that stopped moving (an
        outage, a failing function) must not hold back the rest."""
        behind_at, since = self.get(behind), time.monotonic()
        while self.get(ahead) - behind_at >= limit and self._stalled.get(behind) != behind_at:
            time.sleep(poll)
            now = self.get(behind)
            if now != behind_at:
                behind_at, since = now, time.monotonic()
            elif time.monotonic() - since >= stall:
                self._stalled[behind] = behind_at

    @property
    def busy(self) -> int:
        with self._lock:
            return self._busy

    def quiet_for(self) -> float:
        with self._lock:
            return time.monotonic() - self._last_activity

    def report(self, reports: list[dict[str, Any]]) -> None:
        """Invocation reports of the function hosts. What the platform does on an event (S3
        replication, a notification's invoke) is in flight until done: a run must not settle on it."""
        self.begin()
        try:
            for report in reports:
                if "event" in report:
                    self.events[report["event"]](report["data"])
                    continue
                if report.get("function") == OUTAGE:
                    self.add("receiver 503s")
                    continue
                if not report.get("ok"):
                    where = f"{report.get('label')}:{report.get('function')}"
                    self.fail(where, str(report.get("error")), final=report.get("disposition") == "denied")
                    if report.get("disposition") == "retry":
                        self.retry(where)
                    elif report.get("disposition") == "dead-letter":
                        self.dead_letter(where, f"to the poison queue: {report.get('error')}")
                    continue
                counter = self.classify(report.get("label", ""), report.get("function", ""))
                if counter is None:
                    with self._lock:
                        self._last_activity = time.monotonic()
                    continue
                self.add(counter, count_of(counter, report.get("result")))
        finally:
            self.end()


def count_of(counter: str, result: Any) -> int:
    """How many a successful invocation counts for: processors return their records (a list, or
    {"count"}), event checkers the rules that fired (a number or {"fired"}); others count once.
    Without a count, a processor's run counts once, an event checker's none."""
    if counter not in COUNTED_BY:
        return 1
    key, default = COUNTED_BY[counter]
    if isinstance(result, (int, float)):
        return int(result)
    return int(result.get(key, default)) if isinstance(result, dict) else default


COUNTED_BY = {"processed": ("count", 1), "events fired": ("fired", 0)}  # counter → (result key, count without one)
