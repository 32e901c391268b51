"""config_events.json: event rules whose conditions can fire and whose actions can run.

A condition must reference a telemetry property some device has, compare values that can compare
(text with text, numbers with numbers) and use finite constants; otherwise the rule would be
deployed and never fire.
"""

from __future__ import annotations

import json
import math
from typing import Any

from twin_model.config import names as naming
from twin_model.config.context import LoadContext, known_device, short, short_text, size
from twin_model.config.documents import PathParts
from twin_model.config.devices import INT_RANGES, MAX_STRING_VALUE
from twin_model.config.model import ActionType, EventAction, EventFeedback, EventRule, OptimizationFlags
from twin_contract.events import Constant, PropertyRef, parse_condition

MAX_RULES = 1_000
MAX_CONDITION = 1_024
MAX_PAYLOAD_BYTES = 16 * 1024  # device feedback, as JSON
MAX_FEEDBACK_TYPE = 32
# Deployed action functions are named `<twin>-action-<functionName>`; the event checker finds
# them by that name, so it must fit the shortest function-name limit (Cloud Functions: 63).
ACTION_NAME_INFIX = "-action-"
MAX_FUNCTION_NAME = 63


def rules(ctx: LoadContext, raw: Any, flags: OptimizationFlags) -> tuple[tuple[int, EventRule], ...]:
    file = "config_events.json"
    if raw is None:
        return ()
    if not isinstance(raw, list):
        ctx.add(file, (), "a JSON array of event rules")
        return ()
    if len(raw) > MAX_RULES:
        ctx.add(file, (), f"at most {MAX_RULES:,} event rules (got {len(raw):,})")
        return ()
    property_types = _property_types(ctx)
    rules_found = []
    function_names: dict[str, str] = {}  # folded → as written
    for i, item in enumerate(raw):
        parts = (i,)
        if not isinstance(item, dict):
            ctx.add(file, parts, "an object {condition, action}")
            continue
        ctx.check_keys(item, parts, file, ("condition", "action"))
        condition = _condition(ctx, item.get("condition"), parts + ("condition",), property_types)
        action = _action(ctx, item.get("action"), parts + ("action",), flags)
        if action is not None:
            for key, name in (("functionName", action.function_name), ("functionNameB", action.function_name_b)):
                if name is None:
                    continue
                other = function_names.setdefault(naming.folded(name), name)
                if other != name:
                    ctx.add(
                        file, parts + ("action", key),
                        f"a function name distinct from {other!r} ignoring case, '-' and '_' (their functions' "
                        "names would collide)",
                    )
        if condition and action:
            rules_found.append((i, EventRule(condition, action)))
    if ctx.twin is not None:
        _check_action_name_lengths(ctx, ctx.twin.resource_name, tuple(rules_found))
    return tuple(rules_found)


def _property_types(ctx: LoadContext) -> dict[str, set[str]] | None:
    """Telemetry property name → data types across devices; None when devices are unusable."""
    if ctx.device_ids is None:
        return None
    types: dict[str, set[str]] = {}
    for device in ctx.devices:
        for prop in device.properties:
            types.setdefault(prop.name, set()).add(prop.data_type)
    return types


def _condition(ctx: LoadContext, condition: Any, parts: PathParts, property_types: dict[str, set[str]] | None) -> str | None:
    file = "config_events.json"
    if not isinstance(condition, str) or len(condition) > MAX_CONDITION:
        ctx.add(file, parts, f'"<a> <op> <b>" of at most {MAX_CONDITION} characters (got {short(condition)})')
        return None
    try:
        parsed = parse_condition(condition)
    except ValueError as exc:
        ctx.add(file, parts, f'"<a> <op> <b>" with op <, > or == ({short_text(str(exc))})')
        return None
    kinds = []
    for operand in (parsed.left, parsed.right):
        if isinstance(operand, Constant):
            value = operand.value
            if isinstance(value, float) and not math.isfinite(value):
                ctx.add(file, parts, f"a finite constant: {value} never compares true, so the rule could never fire")
                return None
            if isinstance(value, int) and not INT_RANGES["LONG"][0] <= value <= INT_RANGES["LONG"][1]:
                ctx.add(file, parts, "an INTEGER constant within 64 bits")
                return None
            if isinstance(value, str) and len(value) > MAX_STRING_VALUE:
                ctx.add(file, parts, f"a STRING constant of at most {MAX_STRING_VALUE} characters")
                return None
            kinds.append({"text"} if isinstance(value, str) else {"number"})
        elif isinstance(operand, PropertyRef) and property_types is not None:
            if operand.name not in property_types:
                ctx.add(
                    file,
                    parts,
                    f"a property of a device in config_iot_devices.json: no device has {operand.name!r}, so the "
                    "rule could never fire",
                )
                return None
            kinds.append({"text" if t == "STRING" else "number" for t in property_types[operand.name]})
        else:
            kinds.append({"text", "number"})
    if not kinds[0] & kinds[1]:
        ctx.add(file, parts, "operands that can compare: text is never equal to, less or greater than a number, "
                              "so the rule could never fire")
        return None
    return condition


def _action(ctx: LoadContext, raw: Any, parts: PathParts, flags: OptimizationFlags) -> EventAction | None:
    file = "config_events.json"
    if not isinstance(raw, dict):
        ctx.add(file, parts, "an action object {type, functionName, ...}")
        return None
    before = len(ctx.problems)
    ctx.check_keys(
        raw,
        parts,
        file,
        ("type", "functionName", "functionNameB", "autoDeploy", "feedback"),
        {
            "pathToCode": "code is read from <functions folder>/event_actions/<functionName>/",
            "functionUrl": "action URLs are wired at deploy time",
        },
    )
    action_type = None
    kind = raw.get("type")
    if isinstance(kind, str) and kind in {t.value for t in ActionType}:
        action_type = ActionType(kind)
    else:
        ctx.add(file, parts + ("type",), f"one of {', '.join(t.value for t in ActionType)} (got {short(kind)})")
    function_name = raw.get("functionName")
    if not isinstance(function_name, str) or not naming.NAME.fullmatch(function_name):
        ctx.add(file, parts + ("functionName",), f"a function name matching {naming.NAME.pattern} (got {short(function_name)})")
    function_b = raw.get("functionNameB")
    if action_type is not None and action_type.is_workflow:
        if not isinstance(function_b, str) or not naming.NAME.fullmatch(function_b):
            ctx.add(file, parts + ("functionNameB",), f"the second function of the {action_type.value} workflow")
    elif function_b is not None:
        ctx.warn(file, parts + ("functionNameB",), "ignored: only workflow actions call a second function")
        function_b = None
    auto_deploy = raw.get("autoDeploy", True)
    if not isinstance(auto_deploy, bool):
        ctx.add(file, parts + ("autoDeploy",), f"true or false (got {short(auto_deploy)})")
    feedback = _feedback(ctx, raw["feedback"], parts + ("feedback",), flags) if "feedback" in raw else None
    if len(ctx.problems) > before or action_type is None or not isinstance(function_name, str):  # reported above
        return None
    return EventAction(action_type, function_name, function_b, auto_deploy, feedback)


def _feedback(ctx: LoadContext, fb: Any, parts: PathParts, flags: OptimizationFlags) -> EventFeedback | None:
    file = "config_events.json"
    if not isinstance(fb, dict):
        ctx.add(file, parts, "a feedback object {type, iotDeviceId, payload}")
        return None
    ctx.check_keys(fb, parts, file, ("type", "iotDeviceId", "device_id", "payload"))
    kind = fb.get("type", "mqtt")
    if not isinstance(kind, str) or not 1 <= len(kind) <= MAX_FEEDBACK_TYPE:
        ctx.add(file, parts + ("type",), f'a transport name such as "mqtt" (got {short(kind)})')
        return None
    device = fb.get("iotDeviceId", fb.get("device_id"))
    if not known_device(device, ctx.device_ids):
        ctx.add(file, parts + ("iotDeviceId",), f"a device of config_iot_devices.json (got {short(device)})")
        return None
    if "payload" not in fb or fb["payload"] is None:
        ctx.add(file, parts + ("payload",), "the message to send back to the device")
        return None
    length = len(json.dumps(fb["payload"], ensure_ascii=False).encode("utf-8"))
    if length > MAX_PAYLOAD_BYTES:
        ctx.add(file, parts + ("payload",), f"a message of at most {size(MAX_PAYLOAD_BYTES)} as JSON (it has {size(length)})")
        return None
    if not flags.return_feedback_to_device:
        ctx.warn(file, parts, "ignored: returnFeedbackToDevice is not true in config_optimization.json")
    return EventFeedback(kind, device, fb["payload"])


def _check_action_name_lengths(ctx: LoadContext, twin_name: str, events: tuple[tuple[int, EventRule], ...]) -> None:
    budget = MAX_FUNCTION_NAME - len(twin_name) - len(ACTION_NAME_INFIX)
    for i, rule in events:
        action = rule.action
        for key, name in (("functionName", action.function_name), ("functionNameB", action.function_name_b)):
            if name is not None and len(name) > budget:
                ctx.add(
                    "config_events.json",
                    (i, "action", key),
                    f"at most {budget} characters, so that {twin_name}{ACTION_NAME_INFIX}<name> fits the "
                    f"{MAX_FUNCTION_NAME}-character function-name limit (got {len(name)})",
                )
