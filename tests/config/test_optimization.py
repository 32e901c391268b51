"""config_optimization.json flags and the files they need (V10 action code, V12 state machine, V19)."""

from __future__ import annotations

import json
import shutil

import pytest

from twin_model.config import load_project
from tests.config.helpers import FLAGS, example_json, flags, only_problem, problems_of, where

FILE = "config_optimization.json"
STATE_MACHINE = "state_machines/aws_step_function.json"
ALL_ON = dict(useEventChecking=True, triggerNotificationWorkflow=True, returnFeedbackToDevice=True)


def test_flags_default_to_off_when_the_file_is_missing(make_project):
    project = make_project(config_events=[])
    (project / FILE).unlink()
    config = load_project(project)
    assert not (config.flags.use_event_checking or config.flags.trigger_notification_workflow
                or config.flags.return_feedback_to_device)
    assert config.actions == () and config.state_machine_file is None


@pytest.mark.parametrize("flag", ["triggerNotificationWorkflow", "returnFeedbackToDevice"])
def test_flag_needs_use_event_checking(make_project, flag):
    # Keep only the lambda rule so the workflow action's own requirement does not interfere.
    project = make_project(config_optimization=flags(**{flag: True}), config_events=example_json("config_events")[:1])
    problem = only_problem(project)
    assert (problem.file, problem.path) == (FILE, f"{FLAGS}.{flag}")


@pytest.mark.parametrize("flag", ["useEventChecking", "triggerNotificationWorkflow", "returnFeedbackToDevice"])
def test_flag_must_be_a_boolean(make_project, flag):
    project = make_project(config_optimization=flags(**{**ALL_ON, flag: "yes"}), config_events=[])
    assert (FILE, f"{FLAGS}.{flag}") in where(problems_of(project))


def test_integrate_error_handling_is_rejected(make_project):
    problem = only_problem(make_project(config_optimization=flags(**ALL_ON, integrateErrorHandling=True)))
    assert (problem.file, problem.path) == (FILE, f"{FLAGS}.integrateErrorHandling")


def test_integrate_error_handling_false_is_fine(make_project):
    config = load_project(make_project(config_optimization=flags(**ALL_ON, integrateErrorHandling=False)))
    assert (config.flags.use_event_checking, config.flags.trigger_notification_workflow,
            config.flags.return_feedback_to_device) == (True, True, True)


@pytest.mark.parametrize(
    "content, path",
    [([], "$"), ({"result": []}, "$.result"), ({"result": None}, "$.result"),
     ({"result": {"inputParamsUsed": []}}, FLAGS)],
    ids=["array", "result-array", "result-null", "params-array"],
)
def test_malformed_flags_document_is_a_problem_not_a_crash(make_project, content, path):
    problem = only_problem(make_project(config_optimization=content, config_events=[]))
    assert (problem.file, problem.path) == (FILE, path)


@pytest.mark.parametrize(
    "rule, function, missing_path",
    [(0, "high-temperature-callback", "$[0].action"), (1, "notify-operator", "$[1].action"),
     (1, "log-incident", "$[1].action")],
    ids=["lambda", "workflow-a", "workflow-b"],
)
def test_event_checking_needs_each_actions_code_folder(make_project, rule, function, missing_path):
    project = make_project()
    shutil.rmtree(project / "lambda_functions" / "event_actions" / function)
    problem = only_problem(project)
    assert (problem.file, problem.path) == ("config_events.json", missing_path)
    assert f"lambda_functions/event_actions/{function}" in problem.expected


def test_action_code_is_not_needed_without_event_checking(make_project):
    project = make_project(config_optimization=flags(), config_events=example_json("config_events")[:1])
    shutil.rmtree(project / "lambda_functions")
    assert load_project(project).actions == ()


def test_action_code_is_not_needed_when_not_auto_deployed(make_project):
    rules = example_json("config_events")
    rules[0]["action"]["autoDeploy"] = False
    project = make_project(config_events=rules)
    shutil.rmtree(project / "lambda_functions" / "event_actions" / "high-temperature-callback")
    assert [action.name for action in load_project(project).actions] == ["log-incident", "notify-operator"]


def test_workflow_needs_the_state_machine_file(make_project):
    project = make_project()
    (project / STATE_MACHINE).unlink()
    problem = only_problem(project)
    assert (problem.file, problem.path) == (FILE, f"{FLAGS}.triggerNotificationWorkflow")
    assert STATE_MACHINE in problem.expected


@pytest.mark.parametrize("missing", ["StartAt", "States"])
def test_state_machine_needs_start_at_and_states(make_project, missing):
    project = make_project()
    definition = json.loads((project / STATE_MACHINE).read_text())
    del definition[missing]
    (project / STATE_MACHINE).write_text(json.dumps(definition))
    problem = only_problem(project)
    assert (problem.file, problem.path) == (STATE_MACHINE, f"$.{missing}")


@pytest.mark.parametrize("text", ["{", "[]"], ids=["invalid-json", "array"])
def test_state_machine_must_be_a_json_object(make_project, text):
    project = make_project()
    (project / STATE_MACHINE).write_text(text)
    problem = only_problem(project)
    assert (problem.file, problem.path) == (STATE_MACHINE, "$")


def test_state_machine_is_not_needed_without_the_workflow_flag(make_project):
    lambda_rule_only = example_json("config_events")[:1]
    project = make_project(config_optimization=flags(useEventChecking=True), config_events=lambda_rule_only)
    (project / STATE_MACHINE).unlink()
    assert load_project(project).state_machine_file is None


def test_missing_action_code_names_the_rule_by_its_position_in_the_file(make_project):
    rules = [{"condition": "broken", "action": {"type": "lambda", "functionName": "log-incident"}}]
    rules += example_json("config_events")
    project = make_project(config_events=rules)
    shutil.rmtree(project / "lambda_functions" / "event_actions" / "high-temperature-callback")
    assert where(problems_of(project)) == {
        ("config_events.json", "$[0].condition"),
        ("config_events.json", "$[1].action"),
    }
