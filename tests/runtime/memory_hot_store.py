"""An in-memory HotStore: the reference behaviour the contract suite pins down."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from runtime.core.reader import Page, ReaderQueryError, decode_cursor, encode_cursor
from runtime.core.record_identity import key_range, storage_key


class InMemoryHotStore:
    def __init__(self) -> None:
        self._records: dict[tuple[str, str], dict[str, Any]] = {}  # (device_id, storage key) → record

    def put(self, records: Sequence[Mapping[str, Any]]) -> None:
        for record in records:
            self._records[(record["device_id"], storage_key(record))] = copy.deepcopy(dict(record))

    def query_range(
        self, device_id: str, start: str, end: str, limit: int, cursor: str | None, ascending: bool
    ) -> Page:
        low, high = key_range(start, end)
        matching = sorted(
            ((key, r) for (device, key), r in self._records.items() if device == device_id and low <= key <= high),
            reverse=not ascending,
        )
        if cursor:
            position = decode_cursor(cursor)
            if (
                not isinstance(position, dict)
                or position.get("device_id") != device_id
                or not isinstance(position.get("timestamp"), str)
                or not low <= position["timestamp"] <= high
            ):
                raise ReaderQueryError("next_token does not belong to this query")
            after = position["timestamp"]
            matching = [(key, r) for key, r in matching if (key > after if ascending else key < after)]
        page = matching[:limit]
        more = len(matching) > limit
        next_cursor = encode_cursor({"device_id": device_id, "timestamp": page[-1][0]}) if more else None
        return Page(copy.deepcopy([r for _, r in page]), next_cursor)

    def latest(self, device_id: str) -> dict[str, Any] | None:
        keys = [key for device, key in self._records if device == device_id]
        return copy.deepcopy(self._records[(device_id, max(keys))]) if keys else None
