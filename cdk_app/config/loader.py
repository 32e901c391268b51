"""Reads a project folder and validates every file, collecting all problems before failing.

File formats are the predecessor's (see README, "Project files"); each check names the file, the
JSON path and what was expected, so a user can fix everything in one pass.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

from cdk_app.config.errors import ConfigProblem, ProjectConfigError
from cdk_app.config.model import (
    DATA_TYPES,
    ActionType,
    ConstProperty,
    Device,
    DeviceProperty,
    EventAction,
    EventFeedback,
    EventRule,
    HierarchyComponent,
    HierarchyEntity,
    Layer,
    OptimizationFlags,
    ProjectConfig,
    Provider,
    Providers,
    TwinSettings,
)
from twin_contract.events import parse_condition

NAME_RE = re.compile(r"^[A-Za-z0-9_-]+$")
MAX_TWIN_NAME = 30
MODES = ("DEBUG", "PRODUCTION")
PROVIDER_ALIASES = {"aws": Provider.AWS, "azure": Provider.AZURE, "google": Provider.GOOGLE, "gcp": Provider.GOOGLE}
RESERVED_PROPERTY_NAMES = ("iotDeviceId", "device_id", "timestamp", "ttl")
MAX_COMPONENTS_PER_ENTITY = 10  # IoT TwinMaker default quota
# Deployed action functions are named `<twin>-action-<functionName>`; the event checker finds
# them by that name, so it must fit the shortest function-name limit (Cloud Functions: 63).
ACTION_NAME_INFIX = "-action-"
MAX_FUNCTION_NAME = 63
# Code folders of user event actions, per L2 provider (predecessor layout).
FUNCTION_DIRS = {Provider.AWS: "lambda_functions", Provider.AZURE: "azure_functions", Provider.GOOGLE: "cloud_functions"}
# State-machine file and the keys that make it valid, per L2 provider (predecessor rule V12).
WORKFLOW_FILES = {
    Provider.AWS: ("state_machines/aws_step_function.json", ("StartAt", "States")),
    Provider.AZURE: ("state_machines/azure_logic_app.json", ("definition",)),
    Provider.GOOGLE: ("state_machines/google_cloud_workflow.json", ("main",)),
}
WORKFLOW_ACTION_PROVIDER = {
    ActionType.STEP_FUNCTION: Provider.AWS,
    ActionType.LOGIC_APP: Provider.AZURE,
    ActionType.WORKFLOW: Provider.GOOGLE,
}


class _Collector:
    """Accumulates problems; every check reports here instead of raising."""

    def __init__(self) -> None:
        self.problems: list[ConfigProblem] = []

    def add(self, file: str, path: str, expected: str) -> None:
        self.problems.append(ConfigProblem(file, path, expected))


def load_project(project_dir: str | Path) -> ProjectConfig:
    """Load and validate a project folder; raise ProjectConfigError listing every problem."""
    root = Path(project_dir)
    errors = _Collector()
    if not root.is_dir():
        errors.add(str(root), "$", "a project folder containing config.json")
        raise ProjectConfigError(str(root), errors.problems)

    twin = _twin_settings(_read(root, "config.json", errors, required=True), errors)
    providers = _providers(_read(root, "config_providers.json", errors, required=True), errors)
    devices_raw = _read(root, "config_iot_devices.json", errors, required=True)
    devices = _devices(devices_raw, errors)
    # None when the devices file itself is unusable: references to devices are then not checked,
    # so one missing file is one problem, not one per reference.
    device_ids = {d.id for d in devices} if isinstance(devices_raw, list) and devices_raw else None
    hierarchy_raw = _read(root, "config_hierarchy.json", errors, required=True)
    hierarchy = _hierarchy(hierarchy_raw, device_ids, twin, errors)
    flags = _flags(_read(root, "config_optimization.json", errors, required=False), errors)
    # (index in the file, rule): later checks name the rule by its position in config_events.json.
    indexed_events = _events(_read(root, "config_events.json", errors, required=False), device_ids, errors)
    events = tuple(rule for _, rule in indexed_events)
    processors = _processor_files(root, device_ids, errors)
    if twin is not None:
        _check_action_name_lengths(twin.digital_twin_name, indexed_events, errors)

    action_dirs: tuple[tuple[str, Path], ...] = ()
    state_machine: Path | None = None
    if providers is not None:
        _check_flag_dependencies(flags, indexed_events, providers, errors)
        if flags.use_event_checking:
            action_dirs = _action_dirs(root, indexed_events, providers[Layer.L2], errors)
        if flags.trigger_notification_workflow:
            state_machine = _state_machine(root, providers[Layer.L2], errors)

    if errors.problems:
        raise ProjectConfigError(str(root), errors.problems)
    assert twin is not None and providers is not None
    return ProjectConfig(
        root=root.resolve(),
        twin=twin,
        providers=providers,
        devices=devices,
        hierarchy=hierarchy,
        events=events,
        flags=flags,
        processor_files=processors,
        action_dirs=action_dirs,
        state_machine_file=state_machine,
    )


def _read(root: Path, name: str, errors: _Collector, *, required: bool) -> Any:
    path = root / name
    if not path.is_file():
        if required:
            errors.add(name, "$", "the file to exist")
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        errors.add(name, "$", f"valid JSON ({exc})")
        return None


def _known_device(device_id: Any, device_ids: set[str] | None) -> bool:
    """A device reference is a string naming a device (any string when the device list is unusable)."""
    return isinstance(device_id, str) and (device_ids is None or device_id in device_ids)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _twin_settings(raw: Any, errors: _Collector) -> TwinSettings | None:
    file = "config.json"
    if raw is None:
        return None
    if not isinstance(raw, dict):
        errors.add(file, "$", "a JSON object")
        return None
    before = len(errors.problems)
    name = raw.get("digital_twin_name")
    if not isinstance(name, str) or not NAME_RE.fullmatch(name) or len(name) > MAX_TWIN_NAME:
        errors.add(
            file,
            "$.digital_twin_name",
            f"a name of 1-{MAX_TWIN_NAME} characters matching {NAME_RE.pattern} (got {name!r})",
        )
    for key in ("hot_storage_size_in_days", "cold_storage_size_in_days"):
        if not _is_int(raw.get(key)) or raw[key] < 1:
            errors.add(file, f"$.{key}", f"a whole number of days >= 1 (got {raw.get(key)!r})")
    mode = raw.get("mode", "DEBUG")
    if mode not in MODES:
        errors.add(file, "$.mode", f"one of {', '.join(MODES)} (got {mode!r})")
    if len(errors.problems) > before:
        return None
    return TwinSettings(name, raw["hot_storage_size_in_days"], raw["cold_storage_size_in_days"], mode)


def _providers(raw: Any, errors: _Collector) -> Providers | None:
    file = "config_providers.json"
    if raw is None:
        return None
    if not isinstance(raw, dict):
        errors.add(file, "$", "a JSON object")
        return None
    before = len(errors.problems)
    known = {layer.config_key for layer in Layer}
    for key in sorted(set(raw) - known):
        errors.add(file, f"$.{key}", f"one of the known keys ({', '.join(sorted(known))})")
    chosen: dict[Layer, Provider] = {}
    for layer in Layer:
        value = raw.get(layer.config_key)
        if value is None:
            if layer in (Layer.L1, Layer.L2, Layer.L3_HOT):
                errors.add(file, f"$.{layer.config_key}", "a provider: aws, azure or google")
            continue
        provider = PROVIDER_ALIASES.get(str(value).lower()) if isinstance(value, str) else None
        if provider is None:
            errors.add(file, f"$.{layer.config_key}", f"a provider: aws, azure or google (got {value!r})")
            continue
        chosen[layer] = provider
    # Defaults follow the data: cold→hot, archive→cold, L4→hot, L5→L4.
    for layer, fallback in (
        (Layer.L3_COLD, Layer.L3_HOT),
        (Layer.L3_ARCHIVE, Layer.L3_COLD),
        (Layer.L4, Layer.L3_HOT),
        (Layer.L5, Layer.L4),
    ):
        if layer not in chosen and raw.get(layer.config_key) is None and fallback in chosen:
            chosen[layer] = chosen[fallback]
    for layer, service in ((Layer.L4, "managed digital twin service"), (Layer.L5, "managed Grafana service")):
        if chosen.get(layer) is Provider.GOOGLE:
            source = "" if raw.get(layer.config_key) is not None else " (defaulted from another layer; set it explicitly)"
            errors.add(
                file,
                f"$.{layer.config_key}",
                f"aws or azure: Google Cloud offers no {service}{source}",
            )
    if len(errors.problems) > before or len(chosen) != len(Layer):
        return None
    return Providers.of(chosen)


def _devices(raw: Any, errors: _Collector) -> tuple[Device, ...]:
    file = "config_iot_devices.json"
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        errors.add(file, "$", "a non-empty JSON array of devices")
        return ()
    devices: list[Device] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        path = f"$[{i}]"
        if not isinstance(item, dict):
            errors.add(file, path, "a device object with id and properties")
            continue
        device_id = item.get("id")
        if not isinstance(device_id, str) or not NAME_RE.fullmatch(device_id):
            errors.add(file, f"{path}.id", f"a device id matching {NAME_RE.pattern} (got {device_id!r})")
            device_id = None
        elif device_id in seen:
            errors.add(file, f"{path}.id", f"a unique device id ({device_id!r} is used twice)")
        else:
            seen.add(device_id)
        props = _properties(item, path, file, errors)
        consts = _const_properties(item, path, file, errors)
        names = [p.name for p in props] + [c.name for c in consts]
        for dup in sorted({n for n in names if names.count(n) > 1}):
            errors.add(file, path, f"unique property names ({dup!r} appears twice)")
        if device_id is not None:
            devices.append(Device(device_id, props, consts))
    return tuple(devices)


def _property_name(entry: dict, path: str, file: str, errors: _Collector) -> str | None:
    name = entry.get("name")
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        errors.add(file, f"{path}.name", f"a property name matching {NAME_RE.pattern} (got {name!r})")
        return None
    if name in RESERVED_PROPERTY_NAMES:
        errors.add(file, f"{path}.name", f"a name other than the reserved {', '.join(RESERVED_PROPERTY_NAMES)}")
        return None
    return name


def _data_type(entry: dict, path: str, file: str, errors: _Collector) -> str | None:
    data_type = entry.get("dataType")
    if data_type not in DATA_TYPES:
        errors.add(file, f"{path}.dataType", f"one of {', '.join(DATA_TYPES)} (got {data_type!r})")
        return None
    return data_type


def _properties(item: dict, path: str, file: str, errors: _Collector) -> tuple[DeviceProperty, ...]:
    raw = item.get("properties")
    if not isinstance(raw, list):
        errors.add(file, f"{path}.properties", "an array of {name, dataType, initValue?}")
        return ()
    result = []
    for j, entry in enumerate(raw):
        p = f"{path}.properties[{j}]"
        if not isinstance(entry, dict):
            errors.add(file, p, "an object {name, dataType, initValue?}")
            continue
        name, data_type = _property_name(entry, p, file, errors), _data_type(entry, p, file, errors)
        if name and data_type:
            result.append(DeviceProperty(name, data_type, entry.get("initValue")))
    return tuple(result)


def _const_properties(item: dict, path: str, file: str, errors: _Collector) -> tuple[ConstProperty, ...]:
    raw = item.get("constProperties", [])
    if not isinstance(raw, list):
        errors.add(file, f"{path}.constProperties", "an array of {name, dataType, value}")
        return ()
    result = []
    for j, entry in enumerate(raw):
        p = f"{path}.constProperties[{j}]"
        if not isinstance(entry, dict) or "value" not in entry:
            errors.add(file, p, "an object {name, dataType, value}")
            continue
        name, data_type = _property_name(entry, p, file, errors), _data_type(entry, p, file, errors)
        if name and data_type:
            result.append(ConstProperty(name, data_type, entry["value"]))
    return tuple(result)


def _hierarchy(
    raw: Any, device_ids: set[str] | None, twin: TwinSettings | None, errors: _Collector
) -> tuple[HierarchyEntity, ...]:
    file = "config_hierarchy.json"
    if raw is None:
        return ()
    if not isinstance(raw, list):
        errors.add(file, "$", "a JSON array of entity nodes")
        return ()
    seen: set[str] = set()
    prefix = f"{twin.digital_twin_name}-" if twin else None

    def component(node: dict, path: str) -> HierarchyComponent | None:
        name = node.get("name")
        if not isinstance(name, str) or not NAME_RE.fullmatch(name):
            errors.add(file, f"{path}.name", f"a component name matching {NAME_RE.pattern} (got {name!r})")
            return None
        device_id, type_id = node.get("iotDeviceId"), node.get("componentTypeId")
        if device_id is None and isinstance(type_id, str) and prefix and type_id.startswith(prefix):
            device_id = type_id[len(prefix):]  # predecessor form: <twin>-<device id>
        if device_id is None:
            errors.add(file, f"{path}.iotDeviceId", "the id of a device in config_iot_devices.json")
            return None
        if not _known_device(device_id, device_ids):
            errors.add(file, f"{path}.iotDeviceId", f"a device of config_iot_devices.json (no device {device_id!r})")
            return None
        return HierarchyComponent(name, device_id, type_id)

    def entity(node: Any, path: str) -> HierarchyEntity | None:
        if not isinstance(node, dict) or node.get("type") != "entity":
            errors.add(file, f"{path}.type", '"entity" (components must sit under an entity)')
            return None
        entity_id = node.get("id")
        if not isinstance(entity_id, str) or not NAME_RE.fullmatch(entity_id):
            errors.add(file, f"{path}.id", f"an entity id matching {NAME_RE.pattern} (got {entity_id!r})")
            return None
        if entity_id in seen:
            errors.add(file, f"{path}.id", f"a unique entity id ({entity_id!r} is used twice)")
        seen.add(entity_id)
        children, components = [], []
        raw_children = node.get("children", [])
        if not isinstance(raw_children, list):
            errors.add(file, f"{path}.children", "an array of entity or component nodes")
            raw_children = []
        for k, child in enumerate(raw_children):
            child_path = f"{path}.children[{k}]"
            if isinstance(child, dict) and child.get("type") == "component":
                made = component(child, child_path)
                if made:
                    components.append(made)
            else:
                made_entity = entity(child, child_path)
                if made_entity:
                    children.append(made_entity)
        if len(components) > MAX_COMPONENTS_PER_ENTITY:
            errors.add(
                file, f"{path}.children", f"at most {MAX_COMPONENTS_PER_ENTITY} components per entity (TwinMaker quota)"
            )
        names = [c.name for c in components]
        for dup in sorted({n for n in names if names.count(n) > 1}):
            errors.add(file, f"{path}.children", f"unique component names ({dup!r} appears twice)")
        return HierarchyEntity(entity_id, tuple(children), tuple(components))

    return tuple(e for i, node in enumerate(raw) if (e := entity(node, f"$[{i}]")) is not None)


def _flags(raw: Any, errors: _Collector) -> OptimizationFlags:
    file = "config_optimization.json"
    if raw is None:
        return OptimizationFlags()
    result = raw.get("result", {}) if isinstance(raw, dict) else None
    params = result.get("inputParamsUsed", {}) if isinstance(result, dict) else None
    if not isinstance(params, dict):
        errors.add(file, "$.result.inputParamsUsed", "an object of feature flags")
        return OptimizationFlags()
    values = {}
    for key, attr in (
        ("useEventChecking", "use_event_checking"),
        ("triggerNotificationWorkflow", "trigger_notification_workflow"),
        ("returnFeedbackToDevice", "return_feedback_to_device"),
    ):
        value = params.get(key, False)
        if not isinstance(value, bool):
            errors.add(file, f"$.result.inputParamsUsed.{key}", f"true or false (got {value!r})")
            value = False
        values[attr] = value
    if params.get("integrateErrorHandling") is True:
        errors.add(file, "$.result.inputParamsUsed.integrateErrorHandling", "false: error-handling topologies are not supported")
    return OptimizationFlags(**values)


def _events(raw: Any, device_ids: set[str] | None, errors: _Collector) -> tuple[tuple[int, EventRule], ...]:
    file = "config_events.json"
    if raw is None:
        return ()
    if not isinstance(raw, list):
        errors.add(file, "$", "a JSON array of event rules")
        return ()
    rules = []
    for i, item in enumerate(raw):
        path = f"$[{i}]"
        if not isinstance(item, dict):
            errors.add(file, path, "an object {condition, action}")
            continue
        condition = item.get("condition")
        try:
            parse_condition(condition if isinstance(condition, str) else "")
        except ValueError as exc:
            errors.add(file, f"{path}.condition", f'"<a> <op> <b>" with op <, > or == ({exc})')
            condition = None
        action = _action(item.get("action"), f"{path}.action", device_ids, errors)
        if condition and action:
            rules.append((i, EventRule(condition, action)))
    return tuple(rules)


def _action(raw: Any, path: str, device_ids: set[str] | None, errors: _Collector) -> EventAction | None:
    file = "config_events.json"
    if not isinstance(raw, dict):
        errors.add(file, path, "an action object {type, functionName, ...}")
        return None
    before = len(errors.problems)
    try:
        action_type = ActionType(raw.get("type"))
    except ValueError:
        errors.add(file, f"{path}.type", f"one of {', '.join(t.value for t in ActionType)} (got {raw.get('type')!r})")
        action_type = None
    function_name = raw.get("functionName")
    if not isinstance(function_name, str) or not NAME_RE.fullmatch(function_name):
        errors.add(file, f"{path}.functionName", f"a function name matching {NAME_RE.pattern}")
    function_b = raw.get("functionNameB")
    if action_type is not None and action_type.is_workflow and (
        not isinstance(function_b, str) or not NAME_RE.fullmatch(function_b)
    ):
        errors.add(file, f"{path}.functionNameB", f"the second function of the {action_type.value} workflow")
    auto_deploy = raw.get("autoDeploy", True)
    if not isinstance(auto_deploy, bool):
        errors.add(file, f"{path}.autoDeploy", "true or false")
    feedback = None
    if "feedback" in raw:
        fb = raw["feedback"]
        fb_device = fb.get("iotDeviceId", fb.get("device_id")) if isinstance(fb, dict) else None
        if not isinstance(fb, dict) or "payload" not in fb:
            errors.add(file, f"{path}.feedback.payload", "the message to send back to the device")
        if not _known_device(fb_device, device_ids):
            errors.add(file, f"{path}.feedback.iotDeviceId", f"a device of config_iot_devices.json (got {fb_device!r})")
        elif isinstance(fb, dict) and "payload" in fb:
            feedback = EventFeedback(str(fb.get("type", "mqtt")), fb_device, fb["payload"])
    if len(errors.problems) > before or action_type is None:
        return None
    return EventAction(action_type, function_name, function_b, auto_deploy, feedback)


def _check_action_name_lengths(
    twin_name: str, events: tuple[tuple[int, EventRule], ...], errors: _Collector
) -> None:
    budget = MAX_FUNCTION_NAME - len(twin_name) - len(ACTION_NAME_INFIX)
    for i, rule in events:
        action = rule.action
        for key, name in (("functionName", action.function_name), ("functionNameB", action.function_name_b)):
            if name is not None and len(name) > budget:
                errors.add(
                    "config_events.json",
                    f"$[{i}].action.{key}",
                    f"at most {budget} characters, so that {twin_name}{ACTION_NAME_INFIX}<name> fits the "
                    f"{MAX_FUNCTION_NAME}-character function-name limit (got {len(name)})",
                )


def _check_flag_dependencies(
    flags: OptimizationFlags, events: tuple[tuple[int, EventRule], ...], providers: Providers, errors: _Collector
) -> None:
    file = "config_optimization.json"
    if flags.trigger_notification_workflow and not flags.use_event_checking:
        errors.add(file, "$.result.inputParamsUsed.triggerNotificationWorkflow", "useEventChecking to be true as well")
    if flags.return_feedback_to_device and not flags.use_event_checking:
        errors.add(file, "$.result.inputParamsUsed.returnFeedbackToDevice", "useEventChecking to be true as well")
    l2 = providers[Layer.L2]
    for i, rule in events:
        action_type = rule.action.type
        if not action_type.is_workflow:
            continue
        path = f"$[{i}].action.type"
        wanted = WORKFLOW_ACTION_PROVIDER[action_type]
        if wanted is not l2:
            errors.add("config_events.json", path, f"an action type that runs on layer 2's cloud ({l2.value})")
        elif not flags.trigger_notification_workflow:
            errors.add("config_events.json", path, "triggerNotificationWorkflow to be true in config_optimization.json")


def _action_dirs(
    root: Path, events: tuple[tuple[int, EventRule], ...], l2: Provider, errors: _Collector
) -> tuple[tuple[str, Path], ...]:
    found: dict[str, Path] = {}
    for i, rule in events:
        action = rule.action
        names = [action.function_name] + ([action.function_name_b] if action.type.is_workflow else [])
        if not action.auto_deploy or action.type not in (ActionType.LAMBDA, ActionType.FUNCTION, *WORKFLOW_ACTION_PROVIDER):
            continue
        for name in names:
            folder = root / FUNCTION_DIRS[l2] / "event_actions" / name
            if not folder.is_dir():
                errors.add(
                    "config_events.json",
                    f"$[{i}].action",
                    f"a code folder {folder.relative_to(root)}/ (useEventChecking deploys every action)",
                )
            else:
                found[name] = folder
    return tuple(sorted(found.items()))


def _state_machine(root: Path, l2: Provider, errors: _Collector) -> Path | None:
    relative, keys = WORKFLOW_FILES[l2]
    path = root / relative
    flag = "config_optimization.json"
    if not path.is_file():
        errors.add(flag, "$.result.inputParamsUsed.triggerNotificationWorkflow", f"the workflow file {relative}")
        return None
    try:
        definition = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        errors.add(relative, "$", f"valid JSON ({exc})")
        return None
    missing = [k for k in keys if not isinstance(definition, dict) or k not in definition]
    if missing:
        errors.add(relative, "$", f"a workflow definition with {', '.join(keys)}")
        return None
    return path


def _processor_files(root: Path, device_ids: set[str] | None, errors: _Collector) -> tuple[tuple[str, Path], ...]:
    folder = root / "processors"
    if not folder.is_dir():
        return ()
    found = []
    for entry in sorted(folder.iterdir()):
        if not entry.is_dir() or entry.name.startswith((".", "__")):
            continue
        relative = f"processors/{entry.name}/process.py"
        if not _known_device(entry.name, device_ids):
            errors.add(relative, "$", f"a folder named after a device of config_iot_devices.json (no device {entry.name!r})")
            continue
        source = entry / "process.py"
        if not source.is_file():
            errors.add(relative, "$", "the file to exist")
            continue
        try:
            tree = ast.parse(source.read_text(encoding="utf-8"), filename=relative)
        except SyntaxError as exc:
            errors.add(relative, f"line {exc.lineno}", f"valid Python ({exc.msg})")
            continue
        if not any(isinstance(n, ast.FunctionDef) and n.name == "process" for n in tree.body):
            errors.add(relative, "$", "a top-level function process(event) -> event")
            continue
        found.append((entry.name, source))
    return tuple(found)
