"""L2: evaluate the project's event rules against stored records and start their actions
(runtime.core.event_checker).

`function`/`lambda` actions → the `event-actions` queue (`{"action", "rule", "record"}`);
`logic_app` → POST to the workflow's trigger URL (a Key Vault secret: it carries a SAS signature)
with `{InputData, FunctionA_URL, FunctionB_URL, ActionToken}` (twin_contract.workflow); `feedback` → the `feedback` queue.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import azure.functions as func

from runtime.azure.bridge_clients import BRIDGE_CLIENTS
from runtime.azure.environment import handler_environment, project_bundle_dir
from runtime.azure.functions._shared import message_json, on_queue
from runtime.azure.keyvault import get_secret
from runtime.azure.queues import QueueClient
from runtime.core.event_checker import EventChecker, deployed_rules
from runtime.core.events import EventRule
from twin_contract import functions as s
from twin_contract.azure_names import EVENT_CHECKER_QUEUE
from twin_contract.workflow import ACTION_TOKEN, http_workflow_input

QUEUE_ACTIONS = ("function", "lambda")
WORKFLOW_ACTIONS = ("logic_app",)

_env = handler_environment()
PROJECT_BUNDLE_DIR = project_bundle_dir(_env)
ACTION_QUEUE_URL = _env.required(s.EVENT_ACTIONS_QUEUE_URL)
WORKFLOW_URL_SECRET = _env.optional(s.WORKFLOW_URL_SECRET)
ACTION_TOKEN_SECRET = _env.optional(s.ACTION_TOKEN_SECRET)
FEEDBACK_QUEUE_URL = _env.optional(s.FEEDBACK_QUEUE_URL)
_env.check()

bp = func.Blueprint()


def action_problem(action: Mapping[str, Any]) -> str | None:
    kind = action["type"]
    if kind not in QUEUE_ACTIONS + WORKFLOW_ACTIONS:
        return f"action type {kind!r} does not run on Azure"
    if kind in WORKFLOW_ACTIONS and not (WORKFLOW_URL_SECRET and ACTION_TOKEN_SECRET):
        return "a logic_app action needs WORKFLOW_URL_SECRET and ACTION_TOKEN_SECRET"
    return None


RULES = deployed_rules(PROJECT_BUNDLE_DIR, action_problem)


def action_url(name: str) -> str:
    """The event-action endpoint of this app (WEBSITE_HOSTNAME is set by the platform)."""
    return f"https://{os.environ.get('WEBSITE_HOSTNAME', 'localhost')}/api/event-actions/{name}"


def _start(rule: EventRule, data: dict[str, Any]) -> None:
    action = rule.action
    if action["type"] in QUEUE_ACTIONS:
        QueueClient(ACTION_QUEUE_URL).send({"action": action["functionName"], **data})
        return
    workflow = BRIDGE_CLIENTS.client(get_secret(WORKFLOW_URL_SECRET), ACTION_TOKEN_SECRET)
    workflow.post({
        **http_workflow_input(data, action_url(action["functionName"]), action_url(action["functionNameB"])),
        ACTION_TOKEN: get_secret(ACTION_TOKEN_SECRET),
    })


checker = EventChecker(RULES, _start, QueueClient(FEEDBACK_QUEUE_URL).send if FEEDBACK_QUEUE_URL else None)


@on_queue(bp, s.EVENT_CHECKER, EVENT_CHECKER_QUEUE)
def check(message: func.QueueMessage) -> int:
    return checker(message_json(message))
