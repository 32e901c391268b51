"""What is accepted, and said: mapped twin names, the default mode, and the predecessor's extras.

Issue #11: the predecessor's valid twin names map to valid resource names deterministically; a
missing mode is PRODUCTION (never destroyable by surprise) and says so; keys and files that the
predecessor's formats carry but this project does not use load with a warning, not a refusal.
"""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from twin_model.config import load_project
from twin_model.config.names import resource_name
from tests.config.helpers import example_json, flags, only_problem

# Every CloudFormation stack name, TwinMaker workspace id and the other names built from the twin
# name accept exactly this (letters, digits, single hyphens; a letter first, no hyphen last).
RESOURCE = re.compile(r"^[A-Za-z](?:-?[A-Za-z0-9])*$")


def digest(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:4]


@pytest.mark.parametrize(
    "name, expected",
    [
        ("factory-floor", "factory-floor"),
        ("Twin-Name_01", f"Twin-Name-01-{digest('Twin-Name_01')}"),
        ("Factory_Floor_2", f"Factory-Floor-2-{digest('Factory_Floor_2')}"),
        ("9lives", f"t9lives-{digest('9lives')}"),
        ("_x_", f"x-{digest('_x_')}"),
        ("a--b", f"a-b-{digest('a--b')}"),
        ("twin-", f"twin-{digest('twin-')}"),
        ("A" * 29 + "_", f"{'A' * 25}-{digest('A' * 29 + '_')}"),
        ("0" * 30, f"t{'0' * 24}-{digest('0' * 30)}"),
    ],
)
def test_predecessor_twin_names_map_to_resource_names(make_project, name, expected):
    config = load_project(make_project(config={**example_json("config"), "digital_twin_name": name}))
    assert config.twin.digital_twin_name == name
    assert config.name == expected
    assert RESOURCE.fullmatch(config.name) and len(config.name) <= 30
    if expected != name:
        (warning,) = config.warnings
        assert (warning.file, warning.path) == ("config.json", "$.digital_twin_name")
        assert repr(expected) in warning.expected


def test_names_that_differ_only_where_they_are_mapped_stay_apart():
    names = ["Twin_A", "Twin-A", "Twin__A", "Twin-A-", "_Twin_A"]
    assert len({resource_name(n) for n in names}) == len(names)


def test_predecessor_component_type_id_with_a_mapped_twin_name(make_project):
    hierarchy = [{"type": "entity", "id": "site", "children": [
        {"type": "component", "name": "press", "componentTypeId": "Twin_1-press-01"}]}]
    config = load_project(make_project(
        config={**example_json("config"), "digital_twin_name": "Twin_1"}, config_hierarchy=hierarchy
    ))
    assert config.hierarchy[0].components[0].iot_device_id == "press-01"


def test_missing_mode_is_production_and_says_so(make_project):
    config_json = example_json("config")
    del config_json["mode"]
    config = load_project(make_project(config=config_json))
    assert config.twin.mode == "PRODUCTION" and not config.twin.debug
    assert [(w.file, w.path) for w in config.warnings] == [("config.json", "$.mode")]
    assert "PRODUCTION" in config.warnings[0].expected


def test_a_mode_key_in_the_wrong_case_is_refused_not_ignored(make_project):
    config_json = example_json("config")
    config_json["Mode"] = config_json.pop("mode")
    problem = only_problem(make_project(config=config_json))
    assert (problem.file, problem.path) == ("config.json", "$.Mode")
    assert "did you mean 'mode'" in problem.expected


def test_keys_the_predecessor_carries_are_warnings(make_project):
    config_json = {**example_json("config"), "observability": {"aws_logging": True, "retention_days": 7}}
    rules = example_json("config_events")
    rules[0]["action"]["pathToCode"] = "lambda_functions/event_actions/high-temperature-callback"
    rules[0]["action"]["functionUrl"] = "https://example.invalid/fn"
    optimization = flags(useEventChecking=True, triggerNotificationWorkflow=True, returnFeedbackToDevice=True)
    optimization["result"]["calculationResult"] = {"L1": "AWS"}
    project = make_project(config=config_json, config_events=rules, config_optimization=optimization)
    for name in ("config_credentials.json", "project_info.json", "config_inter_cloud.json"):
        (project / name).write_text(json.dumps({}))
    config = load_project(project)
    assert {(w.file, w.path) for w in config.warnings} == {
        ("config.json", "$.observability"),
        ("config_events.json", "$[0].action.pathToCode"),
        ("config_events.json", "$[0].action.functionUrl"),
        ("config_optimization.json", "$.result.calculationResult"),
        ("config_credentials.json", "$"),
        ("project_info.json", "$"),
        ("config_inter_cloud.json", "$"),
    }
    credentials = next(w for w in config.warnings if w.file == "config_credentials.json")
    assert "not read" in credentials.expected


def test_flags_at_the_top_level_are_read_with_a_warning(make_project):
    project = make_project(config_optimization={"useEventChecking": True, "triggerNotificationWorkflow": True,
                                                 "returnFeedbackToDevice": True})
    config = load_project(project)
    assert config.flags.use_event_checking and config.flags.trigger_notification_workflow
    assert [(w.file, w.path) for w in config.warnings] == [("config_optimization.json", "$")]


def test_feedback_without_the_flag_is_a_warning(make_project):
    config = load_project(make_project(config_optimization=flags(useEventChecking=True, triggerNotificationWorkflow=True)))
    assert [(w.file, w.path) for w in config.warnings] == [("config_events.json", "$[0].action.feedback")]
    assert "returnFeedbackToDevice" in config.warnings[0].expected


def test_a_utf8_byte_order_mark_is_accepted(make_project):
    project = make_project()
    path = project / "config.json"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_project(project).name == "factory-floor"
