"""`python -m twin_ops redrive --project DIR [--layer L] [--dry-run]` over the twin's clouds.

Exit codes: 0 every destination was emptied of what it held when the run started; 1 some
message was kept (reported with its reason) or a destination could not be worked on; 3 a cloud
had no credentials (its destinations were skipped, the others were redriven).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from twin_ops.cloud_clients import CloudUnavailable, Clouds
from twin_ops.cloud_ops import cloud_ops
from twin_ops.dead_letters import DeadLetter
from twin_ops.redrive.engine import Deliver, Outcome, Source, redrive
from twin_ops.redrive.journal import Journal

EXIT_OK, EXIT_KEPT, EXIT_NO_CREDENTIALS = 0, 1, 3


def open_destination(destination: DeadLetter, clients: Any, twin: str) -> tuple[Source | None, Deliver]:
    """The destination's source (None when it does not exist: its stack is not deployed) and delivery."""
    return cloud_ops(destination.cloud).open_dead_letter(destination, clients, twin)


def label(destination: DeadLetter) -> str:
    where = f"{destination.account}/" if destination.account else ""
    return f"[{destination.layer.value}] {where}{destination.source} → {destination.target}"


def run_redrive(
    twin: str,
    destinations: tuple[DeadLetter, ...],
    clouds: Clouds,
    journal: Journal,
    dry_run: bool = False,
    echo: Callable[[str], None] = print,
    clock: Callable[[], float] = time.time,
) -> int:
    started_at = clock()
    totals = Outcome()
    troubles = False
    count = f"{len(destinations)} dead-letter destination{'' if len(destinations) == 1 else 's'}"
    echo(f"# redrive {twin}{' (dry run: nothing moves)' if dry_run else ''}: {count}")
    for destination in destinations:
        try:
            clients = clouds.open(destination.cloud)
        except CloudUnavailable:
            continue  # reported once, below
        try:
            source, deliver = open_destination(destination, clients, twin)
            depth = source.depth() if source is not None else None
        except LookupError as missing:  # an Azure account that does not exist
            echo(f"{label(destination)}: not deployed ({missing})")
            continue
        except Exception as error:  # noqa: BLE001 - one destination's trouble does not stop the others
            echo(f"{label(destination)}: could not be read: {type(error).__name__}: {error}")
            troubles = True
            continue
        if source is None:
            echo(f"{label(destination)}: not deployed")
            continue
        if dry_run:
            echo(f"{label(destination)}: {'? (no Cloud Monitoring sample yet)' if depth is None else depth} parked")
            continue
        outcome = redrive(source, deliver, journal, destination.key, started_at)
        echo(f"{label(destination)}: {_summary(outcome)}")
        for kept in outcome.kept:
            echo(f"    kept {kept}")
        totals.moved += outcome.moved
        totals.completed += outcome.completed
        totals.kept += outcome.kept
        troubles |= not outcome.ok
    journal.close()
    for line in clouds.unavailable.values():
        echo(f"{line}; its dead letters were not touched")
    if not dry_run:
        echo(f"# {totals.moved} moved, {totals.completed} finished from an interrupted run, {len(totals.kept)} kept"
             + (f"; journal {journal.path} holds {journal.pending} delivered but not yet deleted" if journal.pending else ""))
    if troubles:
        return EXIT_KEPT
    return EXIT_NO_CREDENTIALS if clouds.unavailable else EXIT_OK


def _summary(outcome: Outcome) -> str:
    parts = [f"{outcome.moved} moved"]
    if outcome.completed:
        parts.append(f"{outcome.completed} finished from an interrupted run")
    if outcome.kept:
        parts.append(f"{len(outcome.kept)} kept")
    if outcome.newer:
        parts.append(f"{outcome.newer} parked during this run, left for the next")
    if outcome.error:
        parts.append(f"stopped: {outcome.error}")
    return ", ".join(parts)
