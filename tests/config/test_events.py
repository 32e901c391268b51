"""config_events.json: conditions, actions, feedback, and action types against L2 and the workflow flag."""

from __future__ import annotations

import pytest

from twin_model.config import load_project
from tests.conftest import ALL_AWS
from tests.config.helpers import example_json, flags, only_problem, problems_of, where

FILE = "config_events.json"
NO_FLAGS = flags()


def events():
    """The example's two rules: [0] a lambda action with feedback, [1] a step_function workflow."""
    return example_json("config_events")


def lambda_rule(condition="press-01-station.press.temperature > DOUBLE(80)", **action):
    return {"condition": condition, "action": {"type": "lambda", "functionName": "high-temperature-callback", **action}}


@pytest.mark.parametrize(
    "condition",
    [
        "temperature >",
        "a ~ b",
        "a => b",
        "DOUBLE(1) > 3",
        "DOUBLE(1) > DOUBLE(2)",
        "temperature > DOUBLE(hot)",
        "temperature > INTEGER(1.5)",
        "temperature>DOUBLE(80)",
        "1abc > DOUBLE(1)",
        "a > b > c",
        "",
        None,
        42,
    ],
    ids=repr,
)
def test_condition_that_does_not_parse(make_project, condition):
    rules = events()
    rules[0]["condition"] = condition
    problem = only_problem(make_project(config_events=rules))
    assert (problem.file, problem.path) == (FILE, "$[0].condition")


@pytest.mark.parametrize(
    "condition",
    [
        "temperature > DOUBLE(80)",
        "hall.sensor.co2ppm == INTEGER(5)",
        "DOUBLE(3.5) < pressure",
        "status == STRING(ok)",
        "a.b.temperature < d.e.pressure",
    ],
)
def test_condition_that_parses(make_project, condition):
    rules = events()
    rules[0]["condition"] = condition
    assert load_project(make_project(config_events=rules)).events[0].condition == condition


def test_rule_missing_condition(make_project):
    rules = events()
    del rules[0]["condition"]
    assert where(problems_of(make_project(config_events=rules))) == {(FILE, "$[0].condition")}


@pytest.mark.parametrize("name", [..., "", "has space", 3], ids=repr)
def test_action_without_a_valid_function_name(make_project, name):
    rules = events()
    if name is ...:
        del rules[0]["action"]["functionName"]
    else:
        rules[0]["action"]["functionName"] = name
    problem = only_problem(make_project(config_events=rules))
    assert (problem.file, problem.path) == (FILE, "$[0].action.functionName")


def test_action_names_must_fit_the_function_name_limit(make_project):
    # factory-floor-action-<name> ≤ 63 characters leaves 42 for the name.
    rules = events()
    rules[0]["action"].update(functionName="x" * 42, autoDeploy=False)  # no code folders needed
    rules[1]["action"].update(functionNameB="y" * 43, autoDeploy=False)
    problem = only_problem(make_project(config_events=rules))
    assert (problem.file, problem.path) == (FILE, "$[1].action.functionNameB")
    assert "at most 42 characters" in problem.expected


@pytest.mark.parametrize("action_type", [..., "sns", "Lambda"], ids=repr)
def test_action_with_unknown_type(make_project, action_type):
    rules = events()
    if action_type is ...:
        del rules[0]["action"]["type"]
    else:
        rules[0]["action"]["type"] = action_type
    problem = only_problem(make_project(config_events=rules))
    assert (problem.file, problem.path) == (FILE, "$[0].action.type")


def test_action_must_be_an_object(make_project):
    rules = events()
    rules[0]["action"] = "high-temperature-callback"
    problem = only_problem(make_project(config_events=rules))
    assert (problem.file, problem.path) == (FILE, "$[0].action")


def test_workflow_action_without_function_name_b(make_project):
    rules = events()
    del rules[1]["action"]["functionNameB"]
    problem = only_problem(make_project(config_events=rules))
    assert (problem.file, problem.path) == (FILE, "$[1].action.functionNameB")


def test_feedback_without_payload(make_project):
    rules = events()
    del rules[0]["action"]["feedback"]["payload"]
    problem = only_problem(make_project(config_events=rules))
    assert (problem.file, problem.path) == (FILE, "$[0].action.feedback.payload")


@pytest.mark.parametrize("device", ["press-99", None, ["press-01"], {"id": "press-01"}], ids=repr)
def test_feedback_to_an_unknown_device(make_project, device):
    rules = events()
    rules[0]["action"]["feedback"]["iotDeviceId"] = device
    problem = only_problem(make_project(config_events=rules))
    assert (problem.file, problem.path) == (FILE, "$[0].action.feedback.iotDeviceId")


def test_feedback_device_id_spelling_is_accepted(make_project):
    rules = events()
    feedback = rules[0]["action"]["feedback"]
    feedback["device_id"] = feedback.pop("iotDeviceId")
    assert load_project(make_project(config_events=rules)).events[0].action.feedback.iot_device_id == "press-01"


@pytest.mark.parametrize(
    "action_type, l2",
    [("step_function", "azure"), ("step_function", "google"), ("logic_app", "aws"), ("workflow", "aws")],
)
def test_workflow_action_type_must_run_on_layer_2s_cloud(make_project, action_type, l2):
    rules = events()
    rules[1]["action"]["type"] = action_type
    project = make_project({**ALL_AWS, "layer_2_provider": l2}, config_events=rules, config_optimization=NO_FLAGS)
    problem = only_problem(project)
    assert (problem.file, problem.path) == (FILE, "$[1].action.type")
    assert l2 in problem.expected


def test_workflow_action_needs_trigger_notification_workflow(make_project):
    project = make_project(config_optimization=flags(useEventChecking=True, returnFeedbackToDevice=True))
    problem = only_problem(project)
    assert (problem.file, problem.path) == (FILE, "$[1].action.type")
    assert "triggerNotificationWorkflow" in problem.expected


def test_paths_keep_the_rule_index_when_an_earlier_rule_is_invalid(make_project):
    """A rule dropped for a bad condition must not shift the index of the rules after it."""
    rules = [lambda_rule("broken >")] + events()
    project = make_project({**ALL_AWS, "layer_2_provider": "azure"}, config_events=rules, config_optimization=NO_FLAGS)
    assert where(problems_of(project)) == {(FILE, "$[0].condition"), (FILE, "$[2].action.type")}


def test_events_file_must_be_an_array(make_project):
    problem = only_problem(make_project(config_events={"condition": "a > b"}))
    assert (problem.file, problem.path) == (FILE, "$")


def test_every_event_mistake_is_reported(make_project):
    rules = events() + [lambda_rule("temperature >"), {"condition": "speed > pressure", "action": {"type": "lambda"}}]
    del rules[1]["action"]["functionNameB"]
    del rules[0]["action"]["feedback"]["payload"]
    assert where(problems_of(make_project(config_events=rules))) == {
        (FILE, "$[0].action.feedback.payload"),
        (FILE, "$[1].action.functionNameB"),
        (FILE, "$[2].condition"),
        (FILE, "$[3].action.functionName"),
    }
