"""The test suite; `found` keeps a loop over found resources or files from passing vacuously."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

T = TypeVar("T")


def found(items: Iterable[T], what: str = "items") -> list[T]:
    """`items` as a list, asserting there is at least one: a check inside a loop over resources of a
    type or files of a glob must not pass because a renamed type or path matches nothing."""
    listed = list(items)
    assert listed, f"found no {what}: the loop's checks would pass without checking anything"
    return listed
