"""L2: evaluate the project's event rules against stored records and start their actions.

Actions: `lambda` async-invokes `<ACTION_FUNCTION_PREFIX><functionName>` with
the action payload (twin_contract.workflow); `step_function` starts WORKFLOW_ARN with
`{InputData, LambdaAArn, LambdaBArn}`. A rule's `action.feedback` goes to the feedback function
when device feedback is enabled (FEEDBACK_FUNCTION_NAME set).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from runtime.aws import clients
from runtime.aws.environment import handler_environment, project_bundle_dir
from runtime.aws.lambda_invoke import invoke_async, sibling_function_arn
from runtime.core.config import ConfigurationError
from runtime.core.events import EventRule, read_rules_file
from runtime.core.telemetry import as_records, normalize_record
from twin_contract import workflow

ACTION_FIELDS = {"lambda": ("functionName",), "step_function": ("functionName", "functionNameB")}

_env = handler_environment()
PROJECT_BUNDLE_DIR = project_bundle_dir(_env)
ACTION_FUNCTION_PREFIX = _env.required("ACTION_FUNCTION_PREFIX")
WORKFLOW_ARN = _env.optional("WORKFLOW_ARN")
FEEDBACK_FUNCTION_NAME = _env.optional("FEEDBACK_FUNCTION_NAME")
_env.check()


def _load_rules(path: Path) -> list[EventRule]:
    """The rules, checked against this deployment at cold start (a bad rule is a deploy bug)."""
    rules = read_rules_file(path)
    problems = []
    for index, rule in enumerate(rules):
        fields = ACTION_FIELDS.get(rule.action["type"])
        if fields is None:
            problems.append(
                f"rule {index}: action type {rule.action['type']!r} is not one of {', '.join(ACTION_FIELDS)}"
            )
        elif any(not isinstance(rule.action.get(field), str) for field in fields):
            problems.append(f"rule {index}: a {rule.action['type']} action needs {', '.join(fields)}")
        elif rule.action["type"] == "step_function" and not WORKFLOW_ARN:
            problems.append(f"rule {index}: a step_function action needs WORKFLOW_ARN")
    if problems:
        raise ConfigurationError(problems)
    return rules


RULES = _load_rules(PROJECT_BUNDLE_DIR / "config_events.json")


def handler(event: Any, context: Any) -> dict[str, int]:
    fired = 0
    for record in (normalize_record(raw) for raw in as_records(event)):
        for rule in RULES:
            if rule.condition.holds(record):
                _run_action(rule, record, context)
                fired += 1
    return {"fired": fired}


def _run_action(rule: EventRule, record: dict[str, Any], context: Any) -> None:
    action, data = rule.action, workflow.action_payload(rule.definition, record)
    if action["type"] == "lambda":
        invoke_async(ACTION_FUNCTION_PREFIX + action["functionName"], data)
    else:
        workflow_input = {
            workflow.INPUT_DATA: data,
            workflow.LAMBDA_A_ARN: sibling_function_arn(context, ACTION_FUNCTION_PREFIX + action["functionName"]),
            workflow.LAMBDA_B_ARN: sibling_function_arn(context, ACTION_FUNCTION_PREFIX + action["functionNameB"]),
        }
        clients.client("stepfunctions").start_execution(stateMachineArn=WORKFLOW_ARN, input=json.dumps(workflow_input))
    feedback = action.get("feedback")
    if feedback and FEEDBACK_FUNCTION_NAME:
        device_id = feedback.get("iotDeviceId") or feedback.get("device_id") or record["device_id"]
        invoke_async(
            FEEDBACK_FUNCTION_NAME,
            {"device_id": device_id, "payload": feedback.get("payload"), "rule": rule.definition},
        )
