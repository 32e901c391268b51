"""L2: evaluate the project's event rules against stored records and start their actions
(runtime.core.event_checker).

Actions: `lambda` async-invokes `<ACTION_FUNCTION_PREFIX><functionName>` with
the action payload (twin_contract.workflow); `step_function` starts WORKFLOW_ARN with
`{InputData, LambdaAArn, LambdaBArn}`. A rule's `action.feedback` goes to the feedback function
when device feedback is enabled (FEEDBACK_FUNCTION_NAME set).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from runtime.aws import clients
from runtime.aws.environment import handler_environment, project_bundle_dir, runs_as
from runtime.aws.lambda_invoke import invoke_async, sibling_function_arn
from runtime.core.event_checker import EventChecker, deployed_rules
from runtime.core.events import EventRule
from twin_contract import functions as s
from twin_contract import workflow

ACTION_FIELDS = {"lambda": ("functionName",), "step_function": ("functionName", "functionNameB")}

_env = handler_environment()
PROJECT_BUNDLE_DIR = project_bundle_dir(_env)
ACTION_FUNCTION_PREFIX = _env.required(s.ACTION_FUNCTION_PREFIX)
WORKFLOW_ARN = _env.optional(s.WORKFLOW_ARN)
FEEDBACK_FUNCTION_NAME = _env.optional(s.FEEDBACK_FUNCTION_NAME)
_env.check()


def action_problem(action: Mapping[str, Any]) -> str | None:
    fields = ACTION_FIELDS.get(action["type"])
    if fields is None:
        return f"action type {action['type']!r} is not one of {', '.join(ACTION_FIELDS)}"
    if any(not isinstance(action.get(field), str) for field in fields):
        return f"a {action['type']} action needs {', '.join(fields)}"
    if action["type"] == "step_function" and not WORKFLOW_ARN:
        return "a step_function action needs WORKFLOW_ARN"
    return None


RULES = deployed_rules(PROJECT_BUNDLE_DIR, action_problem)


def _start(rule: EventRule, data: dict[str, Any], context: Any) -> None:
    action, function = rule.action, ACTION_FUNCTION_PREFIX + rule.action["functionName"]
    if action["type"] == "lambda":
        invoke_async(function, data)
        return
    workflow_input = {
        workflow.INPUT_DATA: data,
        workflow.LAMBDA_A_ARN: sibling_function_arn(context, function),
        workflow.LAMBDA_B_ARN: sibling_function_arn(context, ACTION_FUNCTION_PREFIX + action["functionNameB"]),
    }
    clients.client("stepfunctions").start_execution(stateMachineArn=WORKFLOW_ARN, input=json.dumps(workflow_input))


@runs_as(s.EVENT_CHECKER)
def handler(event: Any, context: Any) -> dict[str, int]:
    checker = EventChecker(
        RULES,
        lambda rule, data: _start(rule, data, context),  # the ARNs of step functions come from the context
        (lambda message: invoke_async(FEEDBACK_FUNCTION_NAME, message)) if FEEDBACK_FUNCTION_NAME else None,
    )
    return {"fired": checker(event)}
