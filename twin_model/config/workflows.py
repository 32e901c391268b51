"""Notification workflows that can run: checked as each cloud's engine would before deploying.

Step Functions: the Amazon States Language by asl-validator (twin_model.config.asl), no rule of ours.
Logic Apps (no maintained validator runs offline): one
`Request` trigger (the event checker starts the workflow over HTTP), at least one action with a
`type`, `runAfter` naming actions that exist. Google Cloud Workflows: `main` has a non-empty
`steps` list of one-key step objects. Google workflows may be YAML (the predecessor's newer
format) or JSON. Then the event checker's contract (twin_model.config.workflow_contract).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from twin_model.config import asl, workflow_contract
from twin_model.config.context import LoadContext
from twin_model.config.documents import PathParts, json_path, parse
from twin_model.config.errors import Problems
from twin_model.config.keys import check_keys
from twin_model.config.names import LOGIC_APP_NAME

if TYPE_CHECKING:
    from twin_model.clouds import Cloud

FLAGS_FILE = "config_optimization.json"


class _Check:
    def __init__(self, file: str, problems: Problems, warnings: Problems) -> None:
        self.file, self.problems, self.warnings = file, problems, warnings

    def add(self, parts: PathParts, expected: str) -> None:
        self.problems.add(self.file, json_path(parts), expected)


def check_step_functions(document: Any, file: str, problems: Problems, warnings: Problems) -> None:
    """asl-validator's verdict (twin_model.config.asl): no ASL rule here."""
    try:
        found = asl.problems(document)
    except asl.ValidatorUnavailable as error:
        problems.add(file, "$", f"a definition checked by asl-validator, which could not run: {error}")
        return
    for parts, reason in found:
        problems.add(file, json_path(parts), reason)


def check_logic_app(document: Any, file: str, problems: Problems, warnings: Problems) -> None:
    check = _Check(file, problems, warnings)
    if not isinstance(document, dict):
        check.add((), "an object {definition}")
        return
    check_keys(document, (), file, ("definition",), problems, warnings)
    definition = document.get("definition")
    if not isinstance(definition, dict):
        check.add(("definition",), "a Logic Apps workflow definition object {triggers, actions}")
        return
    check_keys(
        definition,
        ("definition",),
        file,
        ("$schema", "contentVersion", "triggers", "actions", "outputs", "parameters"),
        problems,
        warnings,
    )
    if definition.get("parameters") not in (None, {}):
        check.add(("definition", "parameters"), "no workflow parameters (the deployed workflow defines none)")
    if definition.get("outputs") not in (None, {}):
        warnings.add(file, json_path(("definition", "outputs")), "ignored: the event checker does not read workflow outputs")
    triggers = definition.get("triggers")
    if not isinstance(triggers, dict) or len(triggers) != 1:
        check.add(("definition", "triggers"), "exactly one trigger: the event checker starts the workflow over HTTP")
    else:
        (name, trigger), = triggers.items()
        _logic_app_name(name, ("definition", "triggers", name), check)
        if not isinstance(trigger, dict) or str(trigger.get("type", "")).lower() != "request":
            check.add(("definition", "triggers", name, "type"), '"Request" (an HTTP request trigger)')
        elif not isinstance(trigger.get("inputs", {}), dict) or not isinstance(
            (trigger.get("inputs") or {}).get("schema", {}), dict
        ):
            check.add(("definition", "triggers", name, "inputs"), "an object whose schema is a JSON schema object")
    actions = definition.get("actions")
    if not isinstance(actions, dict) or not actions:
        check.add(("definition", "actions"), "an object of at least one action")
        return
    for name, action in actions.items():
        here = ("definition", "actions", name)
        _logic_app_name(name, here, check)
        if not isinstance(action, dict) or not isinstance(action.get("type"), str):
            check.add(here, "an action object with a type")
            continue
        run_after = action.get("runAfter", {})
        if not isinstance(run_after, dict):
            check.add(here + ("runAfter",), "an object of action names → statuses")
            continue
        for previous, statuses in run_after.items():
            if previous not in actions or previous == name:
                check.add(here + ("runAfter", previous), "the name of another action of this workflow")
            elif not isinstance(statuses, list) or not all(isinstance(s, str) for s in statuses):
                check.add(here + ("runAfter", previous), 'an array of statuses such as ["Succeeded"]')


def _logic_app_name(name: str, parts: PathParts, check: _Check) -> None:
    if not LOGIC_APP_NAME.fullmatch(name):
        check.add(parts, f"a name matching {LOGIC_APP_NAME.pattern} (Logic Apps trigger and action names)")


def check_google_workflow(document: Any, file: str, problems: Problems, warnings: Problems) -> None:
    check = _Check(file, problems, warnings)
    if not isinstance(document, dict) or not isinstance(document.get("main"), dict):
        check.add(("main",), "the main workflow: an object {params?, steps}")
        return
    for name, subworkflow in document.items():
        here = (name,)
        if not isinstance(subworkflow, dict):
            check.add(here, "a subworkflow object {params?, steps}")
            continue
        check_keys(subworkflow, here, file, ("params", "steps"), problems, warnings)
        params = subworkflow.get("params", [])
        if not isinstance(params, list) or (name == "main" and len(params) > 1):
            check.add(here + ("params",), "an array of parameter names (main takes at most one)")
        steps = subworkflow.get("steps")
        if not isinstance(steps, list) or not steps:
            check.add(here + ("steps",), "a non-empty array of steps")
            continue
        for index, step in enumerate(steps):
            if not isinstance(step, dict) or len(step) != 1 or not isinstance(next(iter(step.values())), dict):
                check.add(here + ("steps", index), "a step: an object with one key (the step name) holding the step")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


CHECKS: dict[str, Callable[[Any, str, Problems, Problems], None]] = {
    "aws": check_step_functions,
    "azure": check_logic_app,
    "google": check_google_workflow,
}


def load(ctx: LoadContext, cloud: Cloud) -> tuple[Path, str] | None:
    """The workflow of layer 2's cloud, checked: (its file, the definition to deploy), or None."""
    found = []
    for name in cloud.workflow_files:
        relative = f"state_machines/{name}"
        entry = ctx.files.entry(relative)
        if entry is None:
            return None  # a link out of the project: reported
        if entry.kind != "missing":
            found.append((relative, entry))
    if not found or found[0][1].kind != "file":
        names = " or ".join(f"state_machines/{name}" for name in cloud.workflow_files)
        ctx.problems.add(FLAGS_FILE, f"{ctx.flags_path}.triggerNotificationWorkflow", f"the workflow file {names}")
        return None
    (relative, entry), others = found[0], found[1:]
    for other, _ in others:
        ctx.warn(other, (), f"not read: {relative} is the workflow (the first of {', '.join(cloud.workflow_files)})")
    before = len(ctx.problems)
    text = ctx.read_text(relative, required=True, limit=cloud.workflow_max_bytes)
    if text is None:
        return None
    if relative.endswith((".yaml", ".yml")):
        from twin_model.config.yaml_documents import parse_yaml  # PyYAML only when a workflow is YAML

        ok, document = parse_yaml(text, relative, ctx.problems, ctx.warnings, max_bytes=cloud.workflow_max_bytes)
    else:
        ok, document = parse(text, relative, ctx.problems)
    if not ok:
        return None
    if document is None:
        ctx.problems.add(relative, "$", "a workflow definition, not an empty document")
        return None
    CHECKS[cloud.provider.value](document, relative, ctx.problems, ctx.warnings)
    outcome = workflow_contract.check(cloud.provider.value, document)
    for parts, expected in outcome.problems:
        ctx.add(relative, parts, expected)
    for parts, text_ in outcome.adapted:
        ctx.warn(relative, parts, f"adapted: {text_}")
    if len(ctx.problems) > before:
        return None
    if outcome.adapted:
        text = json.dumps(outcome.document, indent=2, ensure_ascii=False) + "\n"
    return entry.real, text
