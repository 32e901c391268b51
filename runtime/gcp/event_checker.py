"""L2: evaluate the project's event rules against stored records and start their actions
(runtime.core.event_checker).

Actions: `function` (or `lambda`, the AWS name kept for portable projects) calls the action
function's URL from ACTION_URLS with the action payload; `workflow` starts WORKFLOW_NAME with
`{InputData, FunctionA_URL, FunctionB_URL}` (twin_contract.workflow). A rule's `action.feedback` goes to FEEDBACK_URL
when device feedback is enabled.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from runtime.core.event_checker import EventChecker, deployed_rules
from runtime.core.events import EventRule
from runtime.gcp import identity, internal
from runtime.gcp.environment import handler_environment, project_bundle_dir
from runtime.gcp.http_io import internal as serve_internal
from twin_contract import functions as s
from twin_contract.workflow import http_workflow_input

WORKFLOW_TYPES = ("workflow",)
FUNCTION_TYPES = ("function", "lambda")
EXECUTIONS_API = "https://workflowexecutions.googleapis.com/v1"


def _json_object(text: str) -> dict[str, str]:
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError("must be a JSON object of name → URL")
    return value


_env = handler_environment()
PROJECT_BUNDLE_DIR = project_bundle_dir(_env)
ACTION_URLS = _env.optional(s.ACTION_URLS, {}, parse=_json_object)
WORKFLOW_NAME = _env.optional(s.WORKFLOW_NAME)
FEEDBACK_URL = _env.optional(s.FEEDBACK_URL)
_env.check()


def action_problem(action: Mapping[str, Any]) -> str | None:
    names = [action.get("functionName")] + ([action.get("functionNameB")] if action["type"] in WORKFLOW_TYPES else [])
    if action["type"] not in FUNCTION_TYPES + WORKFLOW_TYPES:
        return f"action type {action['type']!r} does not run on Google Cloud"
    if any(name not in ACTION_URLS for name in names):
        return f"ACTION_URLS has no function {', '.join(map(str, names))}"
    if action["type"] in WORKFLOW_TYPES and not WORKFLOW_NAME:
        return "a workflow action needs WORKFLOW_NAME"
    return None


RULES = deployed_rules(PROJECT_BUNDLE_DIR, action_problem)


def start_workflow(workflow: str, argument: dict[str, Any]) -> None:
    response = identity.authorized_session().post(
        f"{EXECUTIONS_API}/{workflow}/executions", json={"argument": json.dumps(argument)}, timeout=30
    )
    response.raise_for_status()


def _start(rule: EventRule, data: dict[str, Any]) -> None:
    action = rule.action
    if action["type"] in FUNCTION_TYPES:
        internal.call(ACTION_URLS[action["functionName"]], data)
        return
    start_workflow(
        WORKFLOW_NAME,
        http_workflow_input(data, ACTION_URLS[action["functionName"]], ACTION_URLS[action["functionNameB"]]),
    )


def check(event: Any) -> dict[str, int]:
    feedback = (lambda message: internal.call(FEEDBACK_URL, message)) if FEEDBACK_URL else None
    return {"fired": EventChecker(RULES, _start, feedback)(event)}


def handler(request: Any) -> tuple[str, int, dict[str, str]]:
    return serve_internal(request, check)
