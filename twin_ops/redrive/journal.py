"""The redrive journal: which parked messages were delivered but may not be deleted yet.

A message is delivered, then journaled, then deleted. A run interrupted between delivery and
deletion leaves the message parked *and* journaled, so the next run deletes it without
delivering it again. Append-only JSON lines, flushed and fsynced per entry, so a crash loses at
most the entry being written (a torn last line is ignored); the file is removed once no entry is
pending.
"""

from __future__ import annotations

import json
import os
from pathlib import Path


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._pending: set[tuple[str, str]] = set()
        text = path.read_bytes().decode("utf-8", "replace") if path.is_file() else ""  # not ours: lines ignored
        self._torn = bool(text) and not text.endswith("\n")  # the next entry starts on a line of its own
        if text:
            for line in text.splitlines():
                try:
                    entry = json.loads(line)
                    item = (entry["key"], entry["id"])
                except (ValueError, KeyError, TypeError):
                    continue  # a torn last line
                if entry.get("event") == "delivered":
                    self._pending.add(item)
                else:
                    self._pending.discard(item)

    def was_delivered(self, key: str, message_id: str) -> bool:
        return (key, message_id) in self._pending

    def delivered(self, key: str, message_id: str) -> None:
        self._append(key, message_id, "delivered")
        self._pending.add((key, message_id))

    def deleted(self, key: str, message_id: str) -> None:
        self._append(key, message_id, "deleted")
        self._pending.discard((key, message_id))

    @property
    def pending(self) -> int:
        return len(self._pending)

    def close(self) -> None:
        """Remove the file when nothing is pending (a finished run leaves no journal behind)."""
        if not self._pending:
            self.path.unlink(missing_ok=True)

    def _append(self, key: str, message_id: str, event: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            if self._torn:
                handle.write("\n")
                self._torn = False
            handle.write(json.dumps({"key": key, "id": message_id, "event": event}) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
