"""The matrix projects (tests/runs/matrix.py), from the shared synth cache (tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.conftest import Synthesized, synthesize_project
from tests.runs.matrix import MatrixProject, matrix
from twin_ops.local import services
from twin_ops.local.function_platform import close_booters

PROJECTS = {project.name: project for project in matrix()}


def synthesize_matrix_project(project: MatrixProject, tmp_path_factory) -> Synthesized:
    # The examples' entries are the rest of the suite's, where their nag findings are asked for.
    folder = project.write(tmp_path_factory.mktemp(f"matrix-{project.name}") / "project")
    return synthesize_project(folder, nag=project.is_example)


@pytest.fixture(scope="session")
def matrix_synth(tmp_path_factory):
    """matrix_synth(name) -> Synthesized (the examples are the same entries as the rest of the suite's)."""
    return lambda name: synthesize_matrix_project(PROJECTS[name], tmp_path_factory)


@pytest.fixture(scope="session", autouse=True)
def kept_servers():
    """The servers the runs of this process share (LocalRunRequest.keep_servers) and the boot
    matrix's interpreters (function_platform.boot), stopped at its end."""
    yield
    services.close_kept()
    close_booters()
