"""L2's persister on every cloud: store the records (the hot store, or the hot writer on another
cloud), push live values to the twin where it needs them (Azure Digital Twins), then hand the
records to the event checker. Each step is a port the cloud's handler builds from its settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from runtime.core.telemetry import normalized_records

Deliver = Callable[[list[dict[str, Any]]], Any]


@dataclass(frozen=True)
class Persister:
    store: Deliver
    update_twin: Deliver | None = None
    check_events: Deliver | None = None

    def __call__(self, event: Any) -> int:
        """Persist one record or a list; returns the record count. A failing step raises, so the
        platform retries the whole step; every write on the way is keyed (nothing is stored twice)."""
        records = normalized_records(event)
        self.store(records)
        if records and self.update_twin is not None:
            self.update_twin(records)
        if records and self.check_events is not None:
            self.check_events(records)
        return len(records)
