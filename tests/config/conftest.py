"""Fixture for the project-config tests: a fresh copy of the example project per test."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import write_project


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[..., Path]:
    """make_project(providers=None, **file_overrides) -> a copy of the example in tmp_path."""

    def make(providers: dict | None = None, **overrides: Any) -> Path:
        return write_project(tmp_path / "p", providers, **overrides)

    return make
