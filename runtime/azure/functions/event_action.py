"""L2: the project's event actions (`project/event_actions/<name>/action.py`, `main(event)`, or the
predecessor's `function_app.py`: runtime/azure/user_code.py).

Run from the `event-actions` queue (function actions of the event checker) or over HTTP
(POST /api/event-actions/<name>, token-checked) when the notification workflow calls them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import azure.functions as func

from runtime.azure.environment import handler_environment, project_bundle_dir
from runtime.azure.functions._shared import message_json, on_post, on_queue
from runtime.azure.http import serve
from runtime.azure.user_code import function_app
from runtime.core.errors import InvalidInput
from runtime.core.user_code import load_module
from twin_contract import functions as s
from twin_contract.azure_names import EVENT_ACTIONS_QUEUE
from twin_contract.workflow import action_payload

_env = handler_environment()
PROJECT_BUNDLE_DIR = project_bundle_dir(_env)
ACTION_TOKEN_SECRET = _env.optional(s.ACTION_TOKEN_SECRET)  # unset: every HTTP call gets 401
_env.check()

# Entry files of an action folder, in preference order, and how each is called.
ENTRIES = (("action.py", lambda module, path: module.main), ("function_app.py", function_app))

bp = func.Blueprint()
_loaded: dict[str, Callable[[Any], Any]] = {}


def action(name: str) -> Callable[[Any], Any]:
    if name not in _loaded:
        folder = PROJECT_BUNDLE_DIR / "event_actions" / name
        entries = [(folder / file, load) for file, load in ENTRIES if (folder / file).is_file()]
        if not name.replace("-", "").replace("_", "").isalnum() or not entries:
            raise InvalidInput(f"no event action {name!r}", "unknown_action")
        path, load = entries[0]
        _loaded[name] = load(load_module(path, f"project_action_{name}", PROJECT_BUNDLE_DIR), path)
    return _loaded[name]


@on_queue(bp, s.EVENT_ACTION, EVENT_ACTIONS_QUEUE)
def run_queued(message: func.QueueMessage) -> Any:
    event = message_json(message)
    return action(event["action"])(action_payload(event.get("rule"), event.get("record")))


@on_post(bp, s.EVENT_ACTION, "event-actions/{name}", name="event_action_http")
def run_http(req: func.HttpRequest) -> func.HttpResponse:
    name = req.route_params.get("name", "")
    return serve(req, ACTION_TOKEN_SECRET, lambda body: {"status": "done", "result": _jsonable(action(name)(body))})


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))
