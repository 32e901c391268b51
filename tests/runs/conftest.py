"""The matrix projects (tests/runs/matrix.py), each synthesized once per session."""

from __future__ import annotations

import pytest

from tests.conftest import Synthesized, synthesize_example, synthesize_project
from tests.runs.matrix import MatrixProject, matrix

PROJECTS = {project.name: project for project in matrix()}
_CACHE: dict[str, Synthesized] = {}


def synthesize_matrix_project(project: MatrixProject, tmp_path_factory) -> Synthesized:
    if project.is_example:
        return synthesize_example(project.name, tmp_path_factory)
    if project.name not in _CACHE:
        workdir = tmp_path_factory.mktemp(f"matrix-{project.name}")
        _CACHE[project.name] = synthesize_project(project.write(workdir / "project"), workdir)
    return _CACHE[project.name]


@pytest.fixture(scope="session")
def matrix_synth(tmp_path_factory):
    """matrix_synth(name) -> Synthesized, cached for the session (the examples share the suite's synths)."""
    return lambda name: synthesize_matrix_project(PROJECTS[name], tmp_path_factory)
