"""config_optimization.json: the feature flags (nested, or the predecessor's flat form), what they
depend on, and the workflow file they need."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from twin_model.config.context import LoadContext, short
from twin_model.config.documents import PathParts, json_path
from twin_model.config.model import EventRule, OptimizationFlags, Provider
from twin_model.config.workflows import load as load_workflow

if TYPE_CHECKING:
    from twin_model.clouds import Cloud

FLAGS_PATH = "$.result.inputParamsUsed"
FLAG_KEYS = {
    "useEventChecking": "use_event_checking",
    "triggerNotificationWorkflow": "trigger_notification_workflow",
    "returnFeedbackToDevice": "return_feedback_to_device",
}
OTHER_FLAGS = ("integrateErrorHandling", "needs3DModel")
# The predecessor refuses `true` as well (its error-handling topology was never built). Here every
# asynchronous step retries and then parks what still fails in a dead-letter store, from which
# `redrive` sends it back: there is nothing for the flag to switch on.
ERROR_HANDLING_REFUSED = (
    "false: error-handling topologies are not supported (the predecessor refuses true too); every "
    "asynchronous step here retries and parks what still fails in a dead-letter store (README: "
    "Dead letters and redrive)"
)


def flags(ctx: LoadContext, raw: Any) -> OptimizationFlags:
    file = "config_optimization.json"
    params: Any  # the flags object, as the file holds it
    parts: PathParts
    if raw is None:
        return OptimizationFlags()
    if not isinstance(raw, dict):
        ctx.add(file, (), 'an object {"result": {"inputParamsUsed": {...}}}')
        return OptimizationFlags()
    if "result" not in raw and set(raw) & {*FLAG_KEYS, *OTHER_FLAGS}:
        # The predecessor's older flat form, which its later versions also read.
        ctx.warn(file, (), "flags read from the top level (the predecessor's flat form); their usual place is "
                 "result.inputParamsUsed (python -m twin_ops migrate moves them)")
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
    ctx.flags_path = json_path(parts)
    ctx.check_keys(params, parts, file, (*FLAG_KEYS, *OTHER_FLAGS))
    values = {}
    for key, attr in FLAG_KEYS.items():
        value = params.get(key, False)
        if not isinstance(value, bool):
            ctx.add(file, parts + (key,), f"true or false (got {short(value)})")
            value = False
        values[attr] = value
    for key in OTHER_FLAGS:
        if key in params and not isinstance(params[key], bool):
            ctx.add(file, parts + (key,), f"true or false (got {short(params[key])})")
    if params.get("integrateErrorHandling") is True:
        ctx.add(file, parts + ("integrateErrorHandling",), ERROR_HANDLING_REFUSED)
    return OptimizationFlags(**values, needs_3d_model=params.get("needs3DModel") is True)


def _cloud(provider: Provider) -> Cloud:
    from twin_model.clouds import CLOUDS  # imported late: twin_model.clouds imports the config model

    return CLOUDS[provider]


def check_flag_dependencies(ctx: LoadContext, flags: OptimizationFlags, events: tuple[tuple[int, EventRule], ...]) -> None:
    file = "config_optimization.json"
    if flags.trigger_notification_workflow and not flags.use_event_checking:
        ctx.problems.add(file, f"{ctx.flags_path}.triggerNotificationWorkflow", "useEventChecking to be true as well")
    if flags.return_feedback_to_device and not flags.use_event_checking:
        ctx.problems.add(file, f"{ctx.flags_path}.returnFeedbackToDevice", "useEventChecking to be true as well")
    if events and not flags.use_event_checking:
        ctx.warnings.add("config_events.json", "$", "ignored: useEventChecking is not true in config_optimization.json")
    l2 = ctx.l2()
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


def without_layer_2(ctx: LoadContext, flags: OptimizationFlags, events: tuple[tuple[int, EventRule], ...]) -> None:
    """No layer 2: nothing checks events, runs workflows or sends feedback, so no flag may ask for it."""
    file = "config_optimization.json"
    for key, on in (("useEventChecking", flags.use_event_checking),
                    ("triggerNotificationWorkflow", flags.trigger_notification_workflow),
                    ("returnFeedbackToDevice", flags.return_feedback_to_device)):
        if on:
            ctx.problems.add(file, f"{ctx.flags_path}.{key}", 'false: layer_2_provider is "none" (layer 2 checks '
                             "events, starts workflows and sends feedback)")
    if events:
        ctx.warnings.add("config_events.json", "$", 'not read: layer_2_provider is "none" (layer 2 checks events)')


def state_machine(ctx: LoadContext) -> tuple[Path, str] | None:
    return load_workflow(ctx, _cloud(ctx.l2()))
