"""The bundled example loads into an immutable ProjectConfig; the error report's shape."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from twin_model.config import (
    ActionType,
    ConfigProblem,
    Layer,
    ProjectConfigError,
    Provider,
    load_project,
)
from tests.conftest import EXAMPLE


@pytest.fixture(scope="module")
def config():
    return load_project(EXAMPLE)


def test_example_loads_with_every_part(config):
    assert config.name == "factory-floor"
    assert config.twin.hot_storage_size_in_days == 30
    assert config.twin.cold_storage_size_in_days == 90
    assert config.twin.debug
    assert all(config.providers[layer] is Provider.AWS for layer in Layer)
    assert [d.id for d in config.devices] == ["press-01", "press-02", "conveyor-01", "air-quality-01"]
    assert [p.name for p in config.device("press-01").properties] == ["temperature", "pressure", "cycleCount"]
    assert config.device("press-01").properties[0].init_value == 21.5
    assert config.device("press-01").const_properties[0].value == "HP-2207-0042"
    assert [e.id for e in config.hierarchy] == ["plant-linz"]
    assert [a.type for a in (r.action for r in config.events)] == [ActionType.LAMBDA, ActionType.STEP_FUNCTION]
    assert config.events[0].action.feedback.iot_device_id == "press-01"
    assert config.flags.use_event_checking and config.flags.trigger_notification_workflow
    assert config.flags.return_feedback_to_device
    assert [device for device, _ in config.processor_files] == ["conveyor-01", "press-01", "press-02"]
    assert [action.name for action in config.actions] == ["high-temperature-callback", "log-incident", "notify-operator"]
    assert config.state_machine_file == config.root / "state_machines" / "aws_step_function.json"
    assert config.root == EXAMPLE.resolve()


def test_example_hierarchy_components_name_their_devices(config):
    def components(entity):
        yield from entity.components
        for child in entity.children:
            yield from components(child)

    found = {(c.name, c.iot_device_id) for c in components(config.hierarchy[0])}
    assert found == {
        ("press", "press-01"), ("press", "press-02"), ("conveyor", "conveyor-01"), ("airQuality", "air-quality-01")
    }


@pytest.mark.parametrize(
    "target, attribute",
    [
        (lambda c: c, "twin"),
        (lambda c: c.twin, "digital_twin_name"),
        (lambda c: c.providers, "by_layer"),
        (lambda c: c.devices[0], "id"),
        (lambda c: c.devices[0].properties[0], "data_type"),
        (lambda c: c.hierarchy[0], "children"),
        (lambda c: c.events[0].action, "function_name"),
        (lambda c: c.flags, "use_event_checking"),
    ],
    ids=["config", "twin", "providers", "device", "property", "entity", "action", "flags"],
)
def test_config_objects_are_frozen(config, target, attribute):
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(target(config), attribute, None)


def test_config_collections_are_tuples_and_the_whole_config_is_hashable(config):
    for collection in (config.devices, config.hierarchy, config.events, config.processor_files, config.actions):
        assert isinstance(collection, tuple)
    assert isinstance(config.devices[0].properties, tuple)
    assert isinstance(config.hierarchy[0].children, tuple)
    hash(config)  # only possible when nothing inside is a list or dict


def test_missing_project_folder_is_one_problem(tmp_path: Path):
    missing = tmp_path / "nowhere"
    with pytest.raises(ProjectConfigError) as info:
        load_project(missing)
    assert [(p.file, p.path) for p in info.value.problems] == [(str(missing), "$")]


def test_report_lists_every_problem_with_file_and_path():
    error = ProjectConfigError(
        "proj",
        [ConfigProblem("config.json", "$.mode", "one of DEBUG, PRODUCTION"), ConfigProblem("a.json", "$[0]", "x")],
    )
    assert error.report().splitlines() == [
        "Project proj has 2 problems:",
        "  - config.json $.mode: one of DEBUG, PRODUCTION",
        "  - a.json $[0]: x",
    ]
    assert str(error) == error.report()
    assert ProjectConfigError("proj", [ConfigProblem("f", "$", "e")]).report().startswith("Project proj has 1 problem:")
