"""L2: evaluate the project's event rules against stored records and start their actions.

Actions: `function` (or `lambda`, the AWS name kept for portable projects) calls the action
function's URL from ACTION_URLS with the action payload; `workflow` starts WORKFLOW_NAME with
`{InputData, FunctionA_URL, FunctionB_URL}` (twin_contract.workflow). A rule's `action.feedback` goes to FEEDBACK_URL
when device feedback is enabled.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from runtime.core.config import ConfigurationError
from runtime.core.events import EventRule, read_rules_file
from runtime.core.telemetry import as_records, normalize_record
from twin_contract.workflow import action_payload, http_workflow_input
from runtime.gcp import identity, internal
from runtime.gcp.environment import handler_environment, project_bundle_dir
from runtime.gcp.http_io import internal as serve_internal

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
ACTION_URLS = _env.optional("ACTION_URLS", {}, parse=_json_object)
WORKFLOW_NAME = _env.optional("WORKFLOW_NAME")
FEEDBACK_URL = _env.optional("FEEDBACK_URL")
_env.check()


def _load_rules(path: Path) -> list[EventRule]:
    """The rules, checked against this deployment at cold start (a bad rule is a deploy bug)."""
    rules = read_rules_file(path)
    problems = []
    for index, rule in enumerate(rules):
        action = rule.action
        names = [action.get("functionName")] + ([action.get("functionNameB")] if action["type"] in WORKFLOW_TYPES else [])
        if action["type"] not in FUNCTION_TYPES + WORKFLOW_TYPES:
            problems.append(f"rule {index}: action type {action['type']!r} does not run on Google Cloud")
        elif any(name not in ACTION_URLS for name in names):
            problems.append(f"rule {index}: ACTION_URLS has no function {', '.join(map(str, names))}")
        elif action["type"] in WORKFLOW_TYPES and not WORKFLOW_NAME:
            problems.append(f"rule {index}: a workflow action needs WORKFLOW_NAME")
    if problems:
        raise ConfigurationError(problems)
    return rules


RULES = _load_rules(PROJECT_BUNDLE_DIR / "config_events.json")


def check(event: Any) -> dict[str, int]:
    fired = 0
    for record in (normalize_record(raw) for raw in as_records(event)):
        for rule in RULES:
            if rule.condition.holds(record):
                _run_action(rule, record)
                fired += 1
    return {"fired": fired}


def start_workflow(workflow: str, argument: dict[str, Any]) -> None:
    response = identity.authorized_session().post(
        f"{EXECUTIONS_API}/{workflow}/executions", json={"argument": json.dumps(argument)}, timeout=30
    )
    response.raise_for_status()


def _run_action(rule: EventRule, record: dict[str, Any]) -> None:
    action, data = rule.action, action_payload(rule.definition, record)
    if action["type"] in FUNCTION_TYPES:
        internal.call(ACTION_URLS[action["functionName"]], data)
    else:
        start_workflow(
            WORKFLOW_NAME,
            http_workflow_input(data, ACTION_URLS[action["functionName"]], ACTION_URLS[action["functionNameB"]]),
        )
    feedback = action.get("feedback")
    if feedback and FEEDBACK_URL:
        device_id = feedback.get("iotDeviceId") or feedback.get("device_id") or record["device_id"]
        internal.call(FEEDBACK_URL, {"device_id": device_id, "payload": feedback.get("payload"), "rule": rule.definition})


def handler(request: Any) -> tuple[str, int, dict[str, str]]:
    return serve_internal(request, check)
