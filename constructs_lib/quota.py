"""A project too large for a service quota, found while building the stacks.

Constructs never read project files, so they name what overflowed (`subject`: "devices",
"device schemas", "entities"); the entry point reports it against the file that holds them.
"""

from __future__ import annotations


class QuotaExceeded(ValueError):
    def __init__(self, message: str, subject: str) -> None:
        super().__init__(message)
        self.subject = subject
