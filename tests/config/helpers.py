"""Helpers for the project-config tests: copy the example, break one thing, read the report."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from twin_model.config import ConfigProblem, ProjectConfigError, load_project
from tests.conftest import EXAMPLE

FLAGS = "$.result.inputParamsUsed"


def example_json(name: str) -> Any:
    """A fresh copy of one of the example's JSON files (name without .json)."""
    return json.loads((EXAMPLE / f"{name}.json").read_text(encoding="utf-8"))


def flags(**values: bool) -> dict:
    """A config_optimization.json document with the given feature flags."""
    return {"result": {"inputParamsUsed": values}}


def problems_of(project: Path) -> tuple[ConfigProblem, ...]:
    """Load a project that must fail and return every problem it reports."""
    with pytest.raises(ProjectConfigError) as info:
        load_project(project)
    return info.value.problems


def where(problems: tuple[ConfigProblem, ...]) -> set[tuple[str, str]]:
    """The (file, path) of each problem: what the tests compare."""
    return {(p.file, p.path) for p in problems}


def only_problem(project: Path) -> ConfigProblem:
    """Load a project with exactly one mistake and return the one problem reported."""
    problems = problems_of(project)
    assert len(problems) == 1, "expected exactly one problem, got:\n" + "\n".join(map(str, problems))
    return problems[0]


def edit_json(project: Path, name: str, change: Callable[[Any], Any]) -> None:
    """Apply `change` to project/<name>.json; it may mutate the data in place or return new data."""
    path = project / f"{name}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    result = change(data)
    path.write_text(json.dumps(data if result is None else result), encoding="utf-8")
