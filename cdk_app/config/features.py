"""config_optimization.json and the files its flags need: action code, the workflow, processors.

Also the predecessor's files this project does not read: each becomes a warning, so a predecessor
project loads and its author sees what is ignored.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from cdk_app.config.context import LoadContext, known_device, short
from cdk_app.config.model import ActionCode, ActionType, EventRule, Layer, OptimizationFlags, Provider
from cdk_app.config.workflows import CHECKS as WORKFLOW_CHECKS

FLAGS_PATH = "$.result.inputParamsUsed"
FLAG_KEYS = {
    "useEventChecking": "use_event_checking",
    "triggerNotificationWorkflow": "trigger_notification_workflow",
    "returnFeedbackToDevice": "return_feedback_to_device",
}
MAX_CODE_BYTES = 1024 * 1024  # one processor or action entry file
# Files and folders of the predecessor's projects that this project does not read.
IGNORED_FILES = {
    "config_credentials.json": "not read: credentials come from each cloud's standard chain (delete it: it holds secrets)",
    "config_inter_cloud.json": "not read: bridge URLs and tokens are created at deploy time",
    "project_info.json": "not read (project metadata)",
    "deployment_manifest.json": "not read",
    "twin_hierarchy": "not read: the hierarchy comes from config_hierarchy.json",
    "scene_assets": "not read: 3D scenes are not deployed",
    "lambda_functions/processors": "not read: processors are read from processors/<device id>/process.py",
    "lambda_functions/event-feedback": "not read: device feedback is built in",
}


def flags(ctx: LoadContext, raw: Any) -> OptimizationFlags:
    file = "config_optimization.json"
    if raw is None:
        return OptimizationFlags()
    if not isinstance(raw, dict):
        ctx.add(file, (), 'an object {"result": {"inputParamsUsed": {...}}}')
        return OptimizationFlags()
    if "result" not in raw and set(raw) & set(FLAG_KEYS):
        # The predecessor's later versions also read flags from the top level.
        ctx.warn(file, (), "flags read from the top level; their usual place is result.inputParamsUsed")
        params, parts = raw, ()
    else:
        ctx.check_keys(raw, (), file, ("result",))
        result = raw.get("result", {})
        if not isinstance(result, dict):
            ctx.add(file, ("result",), "an object {inputParamsUsed}")
            return OptimizationFlags()
        ctx.check_keys(
            result, ("result",), file, ("inputParamsUsed",),
            {"calculationResult": "informational: layers are placed by config_providers.json"},
        )
        params, parts = result.get("inputParamsUsed", {}), ("result", "inputParamsUsed")
    if not isinstance(params, dict):
        ctx.add(file, parts, "an object of feature flags")
        return OptimizationFlags()
    ctx.check_keys(params, parts, file, (*FLAG_KEYS, "integrateErrorHandling", "needs3DModel"))
    values = {}
    for key, attr in FLAG_KEYS.items():
        value = params.get(key, False)
        if not isinstance(value, bool):
            ctx.add(file, parts + (key,), f"true or false (got {short(value)})")
            value = False
        values[attr] = value
    for key in ("integrateErrorHandling", "needs3DModel"):
        if key in params and not isinstance(params[key], bool):
            ctx.add(file, parts + (key,), f"true or false (got {short(params[key])})")
    if params.get("integrateErrorHandling") is True:
        ctx.add(file, parts + ("integrateErrorHandling",), "false: error-handling topologies are not supported")
    if params.get("needs3DModel") is True:
        ctx.warn(file, parts + ("needs3DModel",), "ignored: 3D scenes are not deployed")
    return OptimizationFlags(**values)


def _cloud(provider: Provider):
    from cdk_app.clouds import CLOUDS  # imported late: cdk_app.clouds imports the config model

    return CLOUDS[provider]


def check_flag_dependencies(ctx: LoadContext, flags: OptimizationFlags, events: tuple[tuple[int, EventRule], ...]) -> None:
    file = "config_optimization.json"
    if flags.trigger_notification_workflow and not flags.use_event_checking:
        ctx.problems.add(file, f"{FLAGS_PATH}.triggerNotificationWorkflow", "useEventChecking to be true as well")
    if flags.return_feedback_to_device and not flags.use_event_checking:
        ctx.problems.add(file, f"{FLAGS_PATH}.returnFeedbackToDevice", "useEventChecking to be true as well")
    if events and not flags.use_event_checking:
        ctx.warnings.add("config_events.json", "$", "ignored: useEventChecking is not true in config_optimization.json")
    l2 = ctx.providers[Layer.L2]
    allowed = _cloud(l2).action_types
    for i, rule in events:
        action_type = rule.action.type
        if action_type not in allowed:
            ctx.add(
                "config_events.json",
                (i, "action", "type"),
                f"an action type layer 2's cloud ({l2.value}) runs: {' or '.join(t.value for t in allowed)}",
            )
        elif action_type.is_workflow and not flags.trigger_notification_workflow:
            ctx.add("config_events.json", (i, "action", "type"), "triggerNotificationWorkflow to be true in config_optimization.json")


def actions(ctx: LoadContext, events: tuple[tuple[int, EventRule], ...]) -> tuple[ActionCode, ...]:
    l2 = ctx.providers[Layer.L2]
    cloud = _cloud(l2)
    entry_file, entry_function = cloud.action_entry
    found: dict[str, ActionCode] = {}
    checked: set[str] = set()
    for i, rule in events:
        action = rule.action
        if not action.auto_deploy or action.type not in cloud.action_types:
            continue
        names = [action.function_name] + ([action.function_name_b] if action.type.is_workflow else [])
        for name in names:
            if name in checked:
                continue
            checked.add(name)
            relative = f"{cloud.functions_folder}/event_actions/{name}"
            entry = ctx.files.entry(relative)
            if entry is None:
                continue
            if entry.kind != "folder":
                ctx.add("config_events.json", (i, "action"), f"a code folder {relative}/ (useEventChecking deploys every action)")
                continue
            code = ctx.files.tree(relative)
            if code is None:
                continue
            missing = f"the action's code: {entry_file} defining {entry_function}()"
            if has_function(ctx, f"{relative}/{entry_file}", entry_function, dict(code).get(entry_file), missing):
                found[name] = ActionCode(name, entry.real, code)
    return tuple(found[name] for name in sorted(found))


def has_function(ctx: LoadContext, relative: str, function: str, source: Path | None, missing: str) -> bool:
    """Whether the file exists, is Python and defines `function` at the top level (reported if not)."""
    if source is None:
        ctx.problems.add(relative, "$", missing)
        return False
    text = ctx.read_text(relative, required=True, limit=MAX_CODE_BYTES)
    if text is None:
        return False
    try:
        tree = ast.parse(text, filename=relative)
    except SyntaxError as exc:
        ctx.problems.add(relative, f"line {exc.lineno}", f"valid Python ({exc.msg})")
        return False
    except (ValueError, RecursionError, MemoryError) as exc:  # NUL bytes, absurd nesting
        ctx.problems.add(relative, "$", f"valid Python ({exc or type(exc).__name__})")
        return False
    if not any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == function for n in tree.body):
        ctx.problems.add(relative, "$", f"a top-level function {function}()")
        return False
    return True


def state_machine(ctx: LoadContext) -> Path | None:
    l2 = ctx.providers[Layer.L2]
    cloud = _cloud(l2)
    relative, limit = f"state_machines/{cloud.workflow_file}", cloud.workflow_max_bytes
    entry = ctx.files.entry(relative)
    if entry is None:
        return None
    if entry.kind != "file":
        ctx.problems.add("config_optimization.json", f"{FLAGS_PATH}.triggerNotificationWorkflow", f"the workflow file {relative}")
        return None
    before = len(ctx.problems)
    document = ctx.document(relative, required=True, limit=limit)
    if document is None:
        return None
    WORKFLOW_CHECKS[l2.value](document, relative, ctx.problems, ctx.warnings)
    return entry.real if len(ctx.problems) == before else None


def processor_files(ctx: LoadContext) -> tuple[tuple[str, Path], ...]:
    folder = ctx.files.entry("processors")
    if folder is None or folder.kind != "folder":
        return ()
    found = []
    for name in ctx.files.children("processors"):
        if name.startswith((".", "__")):
            continue
        entry = ctx.files.entry(f"processors/{name}")
        if entry is None or entry.kind != "folder":
            continue
        relative = f"processors/{name}/process.py"
        if not known_device(name, ctx.device_ids):
            ctx.problems.add(relative, "$", f"a folder named after a device of config_iot_devices.json (no device {short(name)})")
            continue
        source = ctx.files.entry(relative)
        if source is None:
            continue
        if has_function(ctx, relative, "process", source.real if source.kind == "file" else None, "the file to exist"):
            found.append((name, source.real))
    return tuple(found)


def note_ignored_files(ctx: LoadContext) -> None:
    for relative, why in IGNORED_FILES.items():
        if (ctx.files.root / relative).exists() or (ctx.files.root / relative).is_symlink():
            ctx.warnings.add(relative, "$", why)
