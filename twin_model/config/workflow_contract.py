"""Workflow definitions against the event checker's contract (twin_contract/workflow.py).

A definition that reads an input key the event checker does not send would get null at run time:
refused, naming the keys that are sent. A definition written for the predecessor calls the
action URLs without the authentication they need here; that is added, reported as a warning, and
the definition deployed is the adapted one (`python -m twin_ops migrate` writes it to the file):
- Logic Apps: every Http action whose `uri` reads `FunctionA_URL`/`FunctionB_URL` gets the header
  `X-Inter-Cloud-Token: @{triggerBody()?['ActionToken']}` and keeps its inputs out of the run
  history (`secureData`), since they carry the token (the trigger's are kept out by
  constructs_lib/azure/event_workflow.py);
- Cloud Workflows: every `http.*` call whose `url` comes from `FunctionA_URL`/`FunctionB_URL`
  (directly or through a variable) gets `auth: {type: OIDC}`.
A header or `auth` that is there but cannot work (another token, OAuth2) is refused.
Step Functions definitions address the actions by ARN (`LambdaAArn`/`LambdaBArn`): IAM
authenticates, so there is nothing to add, and input paths are the definition's own business.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from twin_model.config.documents import JsonObject, PathParts
from twin_contract import workflow as contract

TOKEN_VALUE = f"@{{triggerBody()?['{contract.ACTION_TOKEN}']}}"
_TRIGGER_KEY = re.compile(r"triggerBody\(\)\s*\??\s*(?:\[\s*'([^']*)'\s*\]|\.\s*([A-Za-z_]\w*))")
_HTTP_CALL = re.compile(r"^http\.(get|post|put|patch|delete|request)$")


@dataclass
class Outcome:
    """What the contract check found: problems and adaptations as (JSON path parts, text)."""

    document: Any
    problems: list[tuple[PathParts, str]] = field(default_factory=list)
    adapted: list[tuple[PathParts, str]] = field(default_factory=list)


def check(cloud: str, document: Any) -> Outcome:
    """`document` is left untouched; Outcome.document is the definition to deploy."""
    if cloud == "azure":
        return _logic_app(document)
    if cloud == "google":
        return _cloud_workflow(document)
    return Outcome(document)


def _strings(node: Any, parts: PathParts = ()) -> Iterator[tuple[PathParts, str]]:
    if isinstance(node, str):
        yield parts, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, parts + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, parts + (index,))


def _unknown_key(key: str, sent: tuple[str, ...]) -> str:
    folded = {k.lower().replace("_", ""): k for k in sent}
    hint = folded.get(key.lower().replace("_", ""))
    hint_text = f": did you mean {hint!r}?" if hint else ""
    return (f"only input the event checker sends ({', '.join(sent)}; twin_contract/workflow.py): "
            f"{key!r} would be null{hint_text}")


def _logic_app(document: Any) -> Outcome:
    outcome = Outcome(copy.deepcopy(document))
    definition = outcome.document.get("definition") if isinstance(outcome.document, dict) else None
    if not isinstance(definition, dict):
        return outcome
    sent = contract.INPUT_KEYS["azure"]
    for parts, text in _strings(definition, ("definition",)):
        for match in _TRIGGER_KEY.finditer(text):
            key = match.group(1) if match.group(1) is not None else match.group(2)
            if key not in sent:
                outcome.problems.append((parts, _unknown_key(key, sent)))
    for parts, action in _logic_app_actions(definition.get("actions"), ("definition", "actions")):
        inputs = action.get("inputs")
        if str(action.get("type", "")).lower() != "http" or not isinstance(inputs, dict):
            continue
        uri = inputs.get("uri")
        if not isinstance(uri, str) or not any(key in uri for key in contract.ACTION_URL_KEYS):
            continue
        headers = inputs.setdefault("headers", {})
        if not isinstance(headers, dict):
            outcome.problems.append((parts + ("inputs", "headers"), "an object of HTTP headers"))
            continue
        present = [name for name in headers if name.lower() == contract.ACTION_TOKEN_HEADER.lower()]
        if not present:
            headers[contract.ACTION_TOKEN_HEADER] = TOKEN_VALUE
            outcome.adapted.append((parts + ("inputs", "headers"), f"header {contract.ACTION_TOKEN_HEADER}: "
                                    f"{TOKEN_VALUE} added (the action endpoints refuse calls without it)"))
        elif not (isinstance(headers[present[0]], str) and contract.ACTION_TOKEN in headers[present[0]]):
            outcome.problems.append((parts + ("inputs", "headers", present[0]),
                                     f"the token the event checker sends: {TOKEN_VALUE}"))
        if _secure(action, ("inputs",)):
            outcome.adapted.append((parts, "inputs kept out of the run history (secureData): they carry the token"))
    return outcome


def _logic_app_actions(actions: Any, parts: PathParts) -> Iterator[tuple[PathParts, JsonObject]]:
    """Every action, also inside scopes, conditions, loops and switches."""
    if not isinstance(actions, dict):
        return
    for name, action in actions.items():
        if not isinstance(action, dict):
            continue
        here = parts + (name,)
        yield here, action
        yield from _logic_app_actions(action.get("actions"), here + ("actions",))
        if isinstance(action.get("else"), dict):
            yield from _logic_app_actions(action["else"].get("actions"), here + ("else", "actions"))
        for case, body in (action.get("cases") or {}).items() if isinstance(action.get("cases"), dict) else ():
            if isinstance(body, dict):
                yield from _logic_app_actions(body.get("actions"), here + ("cases", case, "actions"))
        if isinstance(action.get("default"), dict):
            yield from _logic_app_actions(action["default"].get("actions"), here + ("default", "actions"))


def _secure(node: JsonObject, properties: tuple[str, ...]) -> bool:
    """Add secureData for `properties`; True when something was added."""
    runtime = node.setdefault("runtimeConfiguration", {})
    if not isinstance(runtime, dict):
        return False
    secure = runtime.setdefault("secureData", {})
    if not isinstance(secure, dict):
        return False
    have = secure.setdefault("properties", [])
    if not isinstance(have, list):
        return False
    missing = [p for p in properties if p not in have]
    have.extend(missing)
    return bool(missing)


def _cloud_workflow(document: Any) -> Outcome:
    outcome = Outcome(copy.deepcopy(document))
    if not isinstance(outcome.document, dict):
        return outcome
    main = outcome.document.get("main")
    params = main.get("params") if isinstance(main, dict) else None
    sent = contract.INPUT_KEYS["google"]
    url_sources = [re.escape(key) for key in contract.ACTION_URL_KEYS]
    if isinstance(params, list) and params and isinstance(params[0], str):
        argument = re.escape(params[0])
        reads = re.compile(rf"\b{argument}\s*(?:\.\s*([A-Za-z_]\w*)|\[\s*\"([^\"]*)\"\s*\]|\[\s*'([^']*)'\s*\])")
        for parts, text in _strings(main, ("main",)):
            for expression in re.findall(r"\$\{(.*?)\}", text):
                for match in reads.finditer(expression):
                    key = next(group for group in match.groups() if group is not None)
                    if key not in sent:
                        outcome.problems.append((parts, _unknown_key(key, sent)))
    # Variables that hold an action URL: `assign: [{name: ${args.FunctionA_URL}}]`.
    holders: set[str] = set()
    for _, node in _dicts(outcome.document):
        assignments = node.get("assign")
        for entry in assignments if isinstance(assignments, list) else ():
            if isinstance(entry, dict):
                for name, value in entry.items():
                    if isinstance(value, str) and any(re.search(key, value) for key in url_sources):
                        holders.add(name)
    mentions = [*url_sources, *(rf"(?<![\w.]){re.escape(name)}(?!\w)" for name in holders)]
    for parts, node in _dicts(outcome.document):
        call, args = node.get("call"), node.get("args")
        if not (isinstance(call, str) and _HTTP_CALL.match(call) and isinstance(args, dict)):
            continue
        url = args.get("url")
        if not (isinstance(url, str) and any(re.search(pattern, expr) for expr in re.findall(r"\$\{(.*?)\}", url)
                                             for pattern in mentions)):
            continue
        auth = args.get("auth")
        if auth is None:
            args["auth"] = {"type": "OIDC"}
            outcome.adapted.append((parts + ("args", "auth"), "auth: {type: OIDC} added (the action functions "
                                    "accept only calls with an identity token)"))
        elif not (isinstance(auth, dict) and auth.get("type") == "OIDC"):
            outcome.problems.append((parts + ("args", "auth"), "{type: OIDC}: the action functions accept only "
                                     "calls with an identity token"))
    return outcome


def _dicts(node: Any, parts: PathParts = ()) -> Iterator[tuple[PathParts, JsonObject]]:
    if isinstance(node, dict):
        yield parts, node
        for key, value in node.items():
            yield from _dicts(value, parts + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _dicts(value, parts + (index,))
