"""An in-memory HotStore: the reference behaviour the contract suite pins down."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from runtime.core.reader import Page, ReaderQueryError, decode_cursor, encode_cursor


class InMemoryHotStore:
    def __init__(self) -> None:
        self._records: dict[tuple[str, str], dict[str, Any]] = {}

    def put(self, records: Sequence[Mapping[str, Any]]) -> None:
        for record in records:
            self._records[(record["device_id"], record["timestamp"])] = copy.deepcopy(dict(record))

    def query_range(
        self, device_id: str, start: str, end: str, limit: int, cursor: str | None, ascending: bool
    ) -> Page:
        matching = sorted(
            (r for (device, stamp), r in self._records.items() if device == device_id and start <= stamp <= end),
            key=lambda r: r["timestamp"],
            reverse=not ascending,
        )
        if cursor:
            position = decode_cursor(cursor)
            if not isinstance(position, dict) or position.get("device_id") != device_id:
                raise ReaderQueryError("next_token does not belong to this query")
            after = position["timestamp"]
            matching = [r for r in matching if (r["timestamp"] > after if ascending else r["timestamp"] < after)]
        page = matching[:limit]
        more = len(matching) > limit
        next_cursor = encode_cursor({"device_id": device_id, "timestamp": page[-1]["timestamp"]}) if more else None
        return Page(copy.deepcopy(page), next_cursor)

    def latest(self, device_id: str) -> dict[str, Any] | None:
        stamps = [stamp for device, stamp in self._records if device == device_id]
        return copy.deepcopy(self._records[(device_id, max(stamps))]) if stamps else None
