"""V1 required files, V2 valid JSON, V6 config.json (twin name, storage days, mode)."""

from __future__ import annotations

import pytest

from twin_model.config import load_project
from tests.config.helpers import example_json, only_problem, problems_of, where

REQUIRED = ["config.json", "config_providers.json", "config_iot_devices.json", "config_hierarchy.json"]
OPTIONAL = ["config_events.json", "config_optimization.json"]


@pytest.mark.parametrize("name", ["config.json", "config_providers.json", "config_hierarchy.json"])
def test_missing_required_file(make_project, name):
    project = make_project()
    (project / name).unlink()
    problem = only_problem(project)
    assert (problem.file, problem.path) == (name, "$")
    assert "exist" in problem.expected


@pytest.mark.parametrize("content", [None, "[]", "{"], ids=["missing", "empty", "invalid"])
def test_unusable_devices_file_is_one_problem_not_one_per_reference(make_project, content):
    """Hierarchy, feedback and processors name devices; they are not all reported as unknown too."""
    project = make_project()
    if content is None:
        (project / "config_iot_devices.json").unlink()
    else:
        (project / "config_iot_devices.json").write_text(content)
    problem = only_problem(project)
    assert (problem.file, problem.path) == ("config_iot_devices.json", "$")


def test_all_missing_required_files_are_reported_together(make_project):
    project = make_project()
    for name in REQUIRED:
        (project / name).unlink()
    assert {(name, "$") for name in REQUIRED} <= where(problems_of(project))


@pytest.mark.parametrize("name", OPTIONAL)
def test_optional_files_may_be_missing(make_project, name):
    project = make_project(config_events=[])  # the example's workflow action needs the flags file
    (project / name).unlink()
    config = load_project(project)
    assert config.events == ()  # neither file contributes anything when missing
    assert config.flags.use_event_checking is (name != "config_optimization.json")
    assert [d.id for d in config.devices] == [d["id"] for d in example_json("config_iot_devices")]


@pytest.mark.parametrize("name", REQUIRED + OPTIONAL)
def test_invalid_json(make_project, name):
    project = make_project()
    (project / name).write_text('{"digital_twin_name": "x",', encoding="utf-8")
    assert (name, "$") in where(problems_of(project))


@pytest.mark.parametrize("name", ["config.json", "config_providers.json"])
def test_file_must_hold_an_object(make_project, name):
    project = make_project()
    (project / name).write_text("[]", encoding="utf-8")
    assert (name, "$") in where(problems_of(project))


def with_config(**changes):
    config = example_json("config")
    for key, value in changes.items():
        if value is ...:
            del config[key]
        else:
            config[key] = value
    return config


@pytest.mark.parametrize(
    "name",
    ["", "has space", "dots.not.ok", "slash/no", "ümlaut", "x" * 31, "trailing-newline\n", 42, None, ...],
    ids=["empty", "space", "dot", "slash", "non-ascii", "31-chars", "newline", "number", "null", "missing"],
)
def test_bad_twin_name(make_project, name):
    problem = only_problem(make_project(config=with_config(digital_twin_name=name)))
    assert (problem.file, problem.path) == ("config.json", "$.digital_twin_name")


@pytest.mark.parametrize("name", ["x" * 30, "A", "Twin-2-b"])
def test_good_twin_name_is_used_as_is(make_project, name):
    config = load_project(make_project(config=with_config(digital_twin_name=name)))
    assert (config.twin.digital_twin_name, config.name, config.warnings) == (name, name, ())


@pytest.mark.parametrize("key", ["hot_storage_size_in_days", "cold_storage_size_in_days"])
@pytest.mark.parametrize("days", [0, -1, 1.5, 30.0, "30", True, None, ...], ids=repr)
def test_bad_storage_days(make_project, key, days):
    problem = only_problem(make_project(config=with_config(**{key: days})))
    assert (problem.file, problem.path) == ("config.json", f"$.{key}")


def test_one_day_is_enough(make_project):
    config = load_project(make_project(config=with_config(hot_storage_size_in_days=1, cold_storage_size_in_days=1)))
    assert (config.twin.hot_storage_size_in_days, config.twin.cold_storage_size_in_days) == (1, 1)


@pytest.mark.parametrize("mode", ["debug", "TEST", "", 1, None])
def test_bad_mode(make_project, mode):
    problem = only_problem(make_project(config=with_config(mode=mode)))
    assert (problem.file, problem.path) == ("config.json", "$.mode")


def test_production_mode(make_project):
    assert not load_project(make_project(config=with_config(mode="PRODUCTION"))).twin.debug


def test_every_config_json_mistake_is_reported(make_project):
    config = {
        "digital_twin_name": "bad name", "hot_storage_size_in_days": 0, "cold_storage_size_in_days": "x", "mode": "?"
    }
    assert where(problems_of(make_project(config=config))) == {
        ("config.json", "$.digital_twin_name"),
        ("config.json", "$.hot_storage_size_in_days"),
        ("config.json", "$.cold_storage_size_in_days"),
        ("config.json", "$.mode"),
    }
