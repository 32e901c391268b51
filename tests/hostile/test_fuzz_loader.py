"""Issue #11 (4): property-based fuzzing of the loader: whatever the files hold, only a report.

Hypothesis replaces whole files with arbitrary JSON or bytes, and single positions of the
example's documents (any depth) with arbitrary values, deleted keys or extra keys. The loader must
either accept the project (then its twin's resource name is valid and every value has its
declared type) or raise ProjectConfigError whose every problem names a file and a JSON path.
Examples are derandomized (the same on every run) and no example database is written.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twin_model.config import ProjectConfig, ProjectConfigError, load_project
from twin_model.config.names import resource_name
from tests.conftest import EXAMPLE

FILES = [
    "config.json",
    "config_providers.json",
    "config_iot_devices.json",
    "config_hierarchy.json",
    "config_events.json",
    "config_optimization.json",
    "state_machines/aws_step_function.json",
]
RESOURCE = re.compile(r"^[A-Za-z](?:-?[A-Za-z0-9])*$")
PATH = re.compile(r"^(\$.*|line \d+)$")
FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
EXAMPLES_RUN: dict[str, int] = {}

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(["aws", "azure", "google", "DEBUG", "PRODUCTION", "DOUBLE", "STRING", "entity", "component",
                     "lambda", "step_function", "press-01", "temperature", "${x}", "${Token[TOKEN.1]}", "",
                     "Task", "Next", "End", "StartAt", "States"]),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=12,
)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return Path(shutil.copytree(EXAMPLE, tmp_path_factory.mktemp("fuzz") / "project"))


def check(project: Path) -> None:
    """The loader's only two outcomes, each well-formed."""
    try:
        config = load_project(project)
    except ProjectConfigError as error:
        assert error.problems, "a report without problems"
        for problem in error.problems:
            assert isinstance(problem.file, str) and problem.file
            assert PATH.match(problem.path), problem
        assert isinstance(error.report(), str)
        return
    assert isinstance(config, ProjectConfig)
    assert RESOURCE.fullmatch(config.name) and len(config.name) <= 30
    for device in config.devices:
        for prop in device.properties:
            assert prop.init_value is None or _typed(prop.init_value, prop.data_type), prop
        for const in device.const_properties:
            assert _typed(const.value, const.data_type), const


def _typed(value: Any, data_type: str) -> bool:
    if data_type == "STRING":
        return isinstance(value, str)
    if data_type == "BOOLEAN":
        return isinstance(value, bool)
    if data_type == "DOUBLE":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, int) and not isinstance(value, bool)


def with_file(base: Path, name: str, content: bytes):
    """Write `content` to one file of the base project for the duration of a check."""
    path = base / name
    original = path.read_bytes()
    path.write_bytes(content)
    try:
        check(base)
    finally:
        path.write_bytes(original)


def count(test: str) -> None:
    EXAMPLES_RUN[test] = EXAMPLES_RUN.get(test, 0) + 1


@FUZZ
@given(name=st.sampled_from(FILES), value=json_values)
def test_any_json_in_any_file(base, name, value):
    count("any_json")
    with_file(base, name, json.dumps(value).encode())


@FUZZ
@given(name=st.sampled_from(FILES), data=st.binary(max_size=300))
def test_any_bytes_in_any_file(base, name, data):
    count("any_bytes")
    with_file(base, name, data)


def positions(node: Any, parts: tuple = ()) -> list[tuple]:
    found = [parts]
    if isinstance(node, dict):
        for key, child in node.items():
            found += positions(child, parts + (key,))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found += positions(child, parts + (index,))
    return found


@FUZZ
@given(name=st.sampled_from(FILES), data=st.data())
def test_one_position_of_a_valid_project_changed(base, name, data):
    """Wrong types, missing keys and extra keys at every depth of the example's documents."""
    count("one_position")
    document = json.loads((base / name).read_text())
    where = data.draw(st.sampled_from(positions(document)))
    change = data.draw(st.sampled_from(["replace", "delete", "add-key"]))
    if change == "replace" or not where:
        value = data.draw(json_values)
        if where:
            parent = document
            for part in where[:-1]:
                parent = parent[part]
            parent[where[-1]] = value
        else:
            document = value
    else:
        parent = document
        for part in where[:-1]:
            parent = parent[part]
        if change == "delete":
            del parent[where[-1]]
        elif isinstance(parent[where[-1]], dict):
            parent[where[-1]][data.draw(st.text(max_size=12))] = data.draw(json_values)
    with_file(base, name, json.dumps(document).encode())


@FUZZ
@given(name=st.text(max_size=40))
def test_every_accepted_twin_name_becomes_a_valid_resource_name(name):
    count("twin_name")
    mapped = resource_name(name) if re.fullmatch(r"[A-Za-z0-9_-]+", name) and len(name) <= 30 else None
    if mapped is not None:
        assert RESOURCE.fullmatch(mapped) and len(mapped) <= 30
        assert mapped == name or mapped.endswith(tuple("0123456789abcdef"))


def test_examples_were_run():
    """Runs after the fuzz tests of this module: they did run their examples."""
    assert all(EXAMPLES_RUN.get(test, 0) >= 100 for test in ("any_json", "any_bytes", "one_position", "twin_name")), EXAMPLES_RUN
    print(f"fuzz examples run: {EXAMPLES_RUN} (total {sum(EXAMPLES_RUN.values())})")
