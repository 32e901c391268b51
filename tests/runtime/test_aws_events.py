"""Event checker (device feedback itself: test_aws_feedback.py)."""

import json
from pathlib import Path
from typing import Any

import pytest
from moto.core import DEFAULT_ACCOUNT_ID

from runtime.aws import clients
from runtime.core.config import ConfigurationError
from tests.runtime.runtime_testing import REGION, LambdaContext, record

HOT = {
    "condition": "room.sensor.temperature > DOUBLE(30)",
    "action": {
        "type": "lambda",
        "functionName": "cool-down",
        "feedback": {"type": "mqtt", "iotDeviceId": "d1", "payload": "too hot"},
    },
}
ALARM = {
    "condition": "room.sensor.status == STRING(alarm)",
    "action": {"type": "step_function", "functionName": "notify", "functionNameB": "escalate"},
}


def bundle(tmp_path: Path, rules: list) -> Path:
    (tmp_path / "config_events.json").write_text(json.dumps(rules))
    return tmp_path


@pytest.fixture
def workflow_arn(aws: Any) -> str:
    return clients.client("stepfunctions").create_state_machine(
        name="twin-workflow", definition="{}", roleArn=f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:role/sfn"
    )["stateMachineArn"]


def test_lambda_action_and_feedback_fire_for_matching_records(load_handler, fake_lambda, tmp_path: Path) -> None:
    checker = load_handler(
        "event_checker",
        PROJECT_BUNDLE_DIR=bundle(tmp_path, [HOT]),
        ACTION_FUNCTION_PREFIX="twin-",
        FEEDBACK_FUNCTION_NAME="twin-feedback",
    )
    result = checker.handler(
        [record(second=1, temperature=35.0), record(second=2, temperature=20.0)], LambdaContext("c")
    )
    assert result == {"fired": 1}
    # The predecessor's actions read the rule as `e` (twin_contract.workflow).
    assert fake_lambda.events_for("twin-cool-down") == [
        {"rule": HOT, "record": record(second=1, temperature=35.0), "e": HOT}
    ]
    assert fake_lambda.events_for("twin-feedback") == [{"device_id": "d1", "payload": "too hot", "rule": HOT}]


def test_feedback_is_skipped_when_device_feedback_is_off(load_handler, fake_lambda, tmp_path: Path) -> None:
    checker = load_handler("event_checker", PROJECT_BUNDLE_DIR=bundle(tmp_path, [HOT]), ACTION_FUNCTION_PREFIX="twin-")
    checker.handler(record(temperature=99), LambdaContext("c"))
    assert [name for name, _, _ in fake_lambda.calls] == ["twin-cool-down"]


def test_rules_on_absent_properties_do_not_fire(load_handler, fake_lambda, tmp_path: Path) -> None:
    checker = load_handler("event_checker", PROJECT_BUNDLE_DIR=bundle(tmp_path, [HOT]), ACTION_FUNCTION_PREFIX="twin-")
    assert checker.handler(record(humidity=99), LambdaContext("c")) == {"fired": 0}
    assert fake_lambda.calls == []


def test_step_function_action_starts_the_workflow(load_handler, tmp_path: Path, workflow_arn: str) -> None:
    checker = load_handler(
        "event_checker",
        PROJECT_BUNDLE_DIR=bundle(tmp_path, [ALARM]),
        ACTION_FUNCTION_PREFIX="twin-",
        WORKFLOW_ARN=workflow_arn,
    )
    checker.handler(record(status="alarm"), LambdaContext("twin-event-checker"))
    sfn = clients.client("stepfunctions")
    (execution,) = sfn.list_executions(stateMachineArn=workflow_arn)["executions"]
    started = json.loads(sfn.describe_execution(executionArn=execution["executionArn"])["input"])
    function_arn = f"arn:aws:lambda:{REGION}:123456789012:function:"
    assert started == {
        "InputData": {"rule": ALARM, "record": record(status="alarm"), "e": ALARM},
        "LambdaAArn": function_arn + "twin-notify",
        "LambdaBArn": function_arn + "twin-escalate",
    }


@pytest.mark.parametrize(
    ("rules", "variables", "problem"),
    [
        ([ALARM], {}, "needs WORKFLOW_ARN"),
        ([{**HOT, "condition": "temperature >> DOUBLE(1)"}], {}, "unknown operator"),
        ([{**HOT, "action": {"type": "logic_app", "functionName": "x"}}], {}, "is not one of"),
        (
            [{**ALARM, "action": {"type": "step_function", "functionName": "x"}}],
            {"WORKFLOW_ARN": "arn"},
            "needs functionName, functionNameB",
        ),
    ],
)
def test_rules_are_checked_at_cold_start(
    load_handler, tmp_path: Path, rules: list, variables: dict, problem: str
) -> None:
    with pytest.raises(ConfigurationError, match=problem):
        load_handler(
            "event_checker", PROJECT_BUNDLE_DIR=bundle(tmp_path, rules), ACTION_FUNCTION_PREFIX="twin-", **variables
        )


def test_missing_rule_file_is_a_configuration_error(load_handler, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"config_events\.json"):
        load_handler("event_checker", PROJECT_BUNDLE_DIR=tmp_path, ACTION_FUNCTION_PREFIX="twin-")
