"""L2: evaluate the project's event rules against stored records and start their actions.

`function`/`lambda` actions → the `event-actions` queue (`{"action", "rule", "record"}`);
`logic_app` → POST to the workflow's trigger URL (a Key Vault secret: it carries a SAS signature)
with `{InputData, FunctionA_URL, FunctionB_URL, ActionToken}` (twin_contract.workflow); `feedback` → the `feedback` queue.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import azure.functions as func

from runtime.azure.bridge import remote_client
from runtime.azure.environment import handler_environment, project_bundle_dir
from runtime.azure.functions._shared import QUEUE_CONNECTION, message_json
from runtime.azure.keyvault import get_secret
from runtime.azure.queues import QueueClient
from runtime.core.config import ConfigurationError
from runtime.core.events import EventRule, read_rules_file
from runtime.core.telemetry import as_records, normalize_record
from twin_contract.workflow import ACTION_TOKEN, action_payload, http_workflow_input

QUEUE_ACTIONS = ("function", "lambda")
WORKFLOW_ACTIONS = ("logic_app",)

_env = handler_environment()
PROJECT_BUNDLE_DIR = project_bundle_dir(_env)
ACTION_QUEUE_URL = _env.required("EVENT_ACTIONS_QUEUE_URL")
WORKFLOW_URL_SECRET = _env.optional("WORKFLOW_URL_SECRET")
ACTION_TOKEN_SECRET = _env.optional("ACTION_TOKEN_SECRET")
FEEDBACK_QUEUE_URL = _env.optional("FEEDBACK_QUEUE_URL")
_env.check()

bp = func.Blueprint()


def _load_rules(path: Path) -> list[EventRule]:
    rules = read_rules_file(path)
    problems = []
    for index, rule in enumerate(rules):
        kind = rule.action["type"]
        if kind not in QUEUE_ACTIONS + WORKFLOW_ACTIONS:
            problems.append(f"rule {index}: action type {kind!r} does not run on Azure")
        elif kind in WORKFLOW_ACTIONS and not (WORKFLOW_URL_SECRET and ACTION_TOKEN_SECRET):
            problems.append(f"rule {index}: a logic_app action needs WORKFLOW_URL_SECRET and ACTION_TOKEN_SECRET")
    if problems:
        raise ConfigurationError(problems)
    return rules


RULES = _load_rules(PROJECT_BUNDLE_DIR / "config_events.json")


def action_url(name: str) -> str:
    """The event-action endpoint of this app (WEBSITE_HOSTNAME is set by the platform)."""
    return f"https://{os.environ.get('WEBSITE_HOSTNAME', 'localhost')}/api/event-actions/{name}"


def check(message: func.QueueMessage) -> int:
    fired = 0
    for record in (normalize_record(raw) for raw in as_records(message_json(message))):
        for rule in RULES:
            if rule.condition.holds(record):
                _run(rule, record)
                fired += 1
    return fired


def _run(rule: EventRule, record: dict[str, Any]) -> None:
    action, data = rule.action, {"rule": rule.definition, "record": record}
    if action["type"] in QUEUE_ACTIONS:
        QueueClient(ACTION_QUEUE_URL).send({"action": action["functionName"], **data})
    else:
        workflow = remote_client(get_secret(WORKFLOW_URL_SECRET), ACTION_TOKEN_SECRET)
        workflow.post({
            **http_workflow_input(action_payload(rule.definition, record), action_url(action["functionName"]),
                                  action_url(action["functionNameB"])),
            ACTION_TOKEN: get_secret(ACTION_TOKEN_SECRET),
        })
    feedback = action.get("feedback")
    if feedback and FEEDBACK_QUEUE_URL:
        device_id = feedback.get("iotDeviceId") or feedback.get("device_id") or record["device_id"]
        QueueClient(FEEDBACK_QUEUE_URL).send({"device_id": device_id, "payload": feedback.get("payload"),
                                              "rule": rule.definition})


bp.function_name("event_checker")(
    bp.queue_trigger(arg_name="message", queue_name="event-checker", connection=QUEUE_CONNECTION)(check)
)
