"""Reads a project folder and validates every file, collecting all problems before failing.

File formats are the predecessor's (see README, "Project files"); each check names the file, the
JSON path and what was expected, so a user can fix everything in one pass. The loader raises
nothing but ProjectConfigError: every value is type-checked before use, every name is held to
the rules of its tightest consumer (cdk_app.config.names), every number is bounded, and
keys the predecessor's formats carry but this project ignores become warnings, not silence.
"""

from __future__ import annotations

import ast
import json
import math
from pathlib import Path
from typing import Any

from cdk_app.config import names as rules
from cdk_app.config.documents import json_path, parse
from cdk_app.config.errors import Problems, ProjectConfigError
from cdk_app.config.files import ProjectFiles
from cdk_app.config.keys import check_keys
from cdk_app.config.model import (
    DATA_TYPES,
    ActionCode,
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
from cdk_app.config.workflows import CHECKS as WORKFLOW_CHECKS
from runtime.core.events import Constant, PropertyRef, parse_condition

MODES = ("DEBUG", "PRODUCTION")
DEFAULT_MODE = "PRODUCTION"  # a missing mode never chooses destroyable resources
PROVIDER_ALIASES = {"aws": Provider.AWS, "azure": Provider.AZURE, "google": Provider.GOOGLE, "gcp": Provider.GOOGLE}
# Record fields every hot store writes itself (`id` is Cosmos DB's item id).
RESERVED_PROPERTY_NAMES = ("iotDeviceId", "device_id", "timestamp", "ttl", "id")
# Properties the generated Azure Digital Twins device model defines itself.
DTDL_RESERVED_NAMES = ("iotDeviceId", "lastUpdate")
MAX_COMPONENTS_PER_ENTITY = 10  # IoT TwinMaker default quota
# Deployed action functions are named `<twin>-action-<functionName>`; the event checker finds
# them by that name, so it must fit the shortest function-name limit (Cloud Functions: 63).
ACTION_NAME_INFIX = "-action-"
MAX_FUNCTION_NAME = 63

# Bounds (README, "Limits"): the tightest consumer's, or what keeps a hostile project cheap.
MAX_HOT_DAYS = 24_855  # Cosmos DB TTL: seconds in a signed 32-bit integer
MAX_COLD_DAYS = 99_999  # Azure Blob lifecycle rules
MAX_DEVICES = 10_000
MAX_PROPERTIES_PER_DEVICE = 100
MAX_ENTITIES = 10_000
MAX_RULES = 1_000
MAX_STRING_VALUE = 256  # TwinMaker string values
MAX_DOUBLE = 1e100
INT_RANGES = {"INTEGER": (-(2**31), 2**31 - 1), "LONG": (-(2**63), 2**63 - 1)}
MAX_CONDITION = 1_024
MAX_PAYLOAD_BYTES = 16 * 1024  # device feedback, as JSON
MAX_FEEDBACK_TYPE = 32
MAX_JSON_BYTES = 1024 * 1024
MAX_LARGE_JSON_BYTES = 16 * 1024 * 1024  # devices and hierarchy of large fleets
MAX_CODE_BYTES = 1024 * 1024  # one processor or action entry file

# Code folders of user event actions, per L2 provider (predecessor layout), and their entry file.
FUNCTION_DIRS = {Provider.AWS: "lambda_functions", Provider.AZURE: "azure_functions", Provider.GOOGLE: "cloud_functions"}
ACTION_ENTRY = {
    Provider.AWS: ("lambda_function.py", "lambda_handler"),
    Provider.AZURE: ("action.py", "main"),
    Provider.GOOGLE: ("main.py", "main"),
}
# The action types each L2 cloud's event checker runs.
ACTION_TYPES = {
    Provider.AWS: (ActionType.LAMBDA, ActionType.STEP_FUNCTION),
    Provider.AZURE: (ActionType.FUNCTION, ActionType.LAMBDA, ActionType.LOGIC_APP),
    Provider.GOOGLE: (ActionType.FUNCTION, ActionType.LAMBDA, ActionType.WORKFLOW),
}
# State-machine file of each L2 provider (predecessor rule V12) and its size limit.
WORKFLOW_FILES = {
    Provider.AWS: ("state_machines/aws_step_function.json", 1024 * 1024),  # Step Functions: 1 MB
    Provider.AZURE: ("state_machines/azure_logic_app.json", 1024 * 1024),
    Provider.GOOGLE: ("state_machines/google_cloud_workflow.json", 128 * 1024),  # Workflows: 128 KB
}
WORKFLOW_ACTION_PROVIDER = {
    ActionType.STEP_FUNCTION: Provider.AWS,
    ActionType.LOGIC_APP: Provider.AZURE,
    ActionType.WORKFLOW: Provider.GOOGLE,
}
FLAG_KEYS = {
    "useEventChecking": "use_event_checking",
    "triggerNotificationWorkflow": "trigger_notification_workflow",
    "returnFeedbackToDevice": "return_feedback_to_device",
}
# Files and folders of the predecessor's projects that this project does not read.
IGNORED_FILES = {
    "config_credentials.json": "not read: credentials come from each cloud's standard chain (delete it: it holds secrets)",
    "config_inter_cloud.json": "not read: bridge URLs and tokens are created at deploy time",
    "config_user.json": "not read: dashboard users are not provisioned",
    "project_info.json": "not read (project metadata)",
    "deployment_manifest.json": "not read",
    "twin_hierarchy": "not read: the hierarchy comes from config_hierarchy.json",
    "scene_assets": "not read: 3D scenes are not deployed",
    "lambda_functions/processors": "not read: processors are read from processors/<device id>/process.py",
    "lambda_functions/event-feedback": "not read: device feedback is built in",
}
FLAGS_PATH = "$.result.inputParamsUsed"


def load_project(project_dir: str | Path) -> ProjectConfig:
    """Load and validate a project folder; raise ProjectConfigError listing every problem."""
    root = Path(project_dir)
    problems = Problems()
    try:
        is_folder = root.is_dir()
    except (OSError, ValueError):  # a NUL byte in the path, a name too long
        is_folder = False
    if not is_folder:
        problems.add(str(root), "$", "a project folder containing config.json")
        raise ProjectConfigError(str(root), problems.problems)
    return _Loader(root, problems).load()


class _Loader:
    def __init__(self, root: Path, problems: Problems) -> None:
        self.root = root
        self.problems = problems
        self.warnings = Problems()
        self.files = ProjectFiles(root, problems)
        self.twin: TwinSettings | None = None
        self.providers: Providers | None = None
        self.devices: tuple[Device, ...] = ()
        self.device_ids: set[str] | None = None  # None: the device list is unusable, references unchecked

    def add(self, file: str, parts: tuple, expected: str) -> None:
        self.problems.add(file, json_path(parts), expected)

    def warn(self, file: str, parts: tuple, text: str) -> None:
        self.warnings.add(file, json_path(parts), text)

    def check_keys(self, node: dict, parts: tuple, file: str, known: tuple[str, ...], ignored: dict | None = None) -> None:
        check_keys(node, parts, file, known, self.problems, self.warnings, ignored)

    # ---- the whole project ------------------------------------------------------------------

    def load(self) -> ProjectConfig:
        self.twin = self._twin_settings(self._document("config.json", required=True))
        self.providers = self._providers(self._document("config_providers.json", required=True))
        devices_raw = self._document("config_iot_devices.json", required=True, limit=MAX_LARGE_JSON_BYTES)
        self.devices = self._devices(devices_raw)
        if isinstance(devices_raw, list) and devices_raw and len(devices_raw) <= MAX_DEVICES:
            self.device_ids = {d.id for d in self.devices}
        hierarchy = self._hierarchy(self._document("config_hierarchy.json", required=True, limit=MAX_LARGE_JSON_BYTES))
        flags = self._flags(self._document("config_optimization.json", required=False))
        # (index in the file, rule): later checks name the rule by its position in config_events.json.
        events = self._events(self._document("config_events.json", required=False), flags)
        processors = self._processor_files()
        actions: tuple[ActionCode, ...] = ()
        state_machine: Path | None = None
        if self.providers is not None:
            self._check_flag_dependencies(flags, events)
            if flags.use_event_checking:
                actions = self._actions(events)
            if flags.trigger_notification_workflow:
                state_machine = self._state_machine()
        self._note_ignored_files()
        if self.problems.problems:
            raise ProjectConfigError(str(self.root), self.problems.problems)
        assert self.twin is not None and self.providers is not None
        return ProjectConfig(
            root=self.files.root,
            twin=self.twin,
            providers=self.providers,
            devices=self.devices,
            hierarchy=hierarchy,
            events=tuple(rule for _, rule in events),
            flags=flags,
            processor_files=processors,
            actions=actions,
            state_machine_file=state_machine,
            warnings=tuple(self.warnings.problems),
        )

    def _l4(self) -> Provider | None:
        return self.providers[Layer.L4] if self.providers is not None else None

    # ---- reading ------------------------------------------------------------------------------

    def _bytes(self, name: str, *, required: bool, limit: int) -> bytes | None:
        entry = self.files.entry(name)
        if entry is None:
            return None
        if entry.kind == "folder":
            self.problems.add(name, "$", "a file, not a folder")
            return None
        if entry.kind == "missing":
            if required:
                self.problems.add(name, "$", "the file to exist")
            return None
        if entry.size > limit:
            self.problems.add(name, "$", f"a file of at most {_size(limit)} (it has {_size(entry.size)})")
            return None
        try:
            with open(entry.real, "rb") as stream:
                data = stream.read(limit + 1)
        except OSError as exc:
            self.problems.add(name, "$", f"a readable file ({exc.strerror or exc})")
            return None
        if len(data) > limit:  # grew since it was checked
            self.problems.add(name, "$", f"a file of at most {_size(limit)}")
            return None
        return data

    def _text(self, name: str, *, required: bool, limit: int) -> str | None:
        data = self._bytes(name, required=required, limit=limit)
        if data is None:
            return None
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            self.problems.add(name, "$", f"UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start} is not UTF-8)")
            return None

    def _document(self, name: str, *, required: bool, limit: int = MAX_JSON_BYTES) -> Any:
        text = self._text(name, required=required, limit=limit)
        if text is None:
            return None
        ok, value = parse(text, name, self.problems)
        if ok and value is None:  # `null` is not "no file": it must not fall back to defaults
            self.problems.add(name, "$", "a JSON array or object, not null")
        return value if ok else None

    # ---- config.json --------------------------------------------------------------------------

    def _twin_settings(self, raw: Any) -> TwinSettings | None:
        file = "config.json"
        if raw is None:
            return None
        if not isinstance(raw, dict):
            self.add(file, (), "a JSON object {digital_twin_name, hot_storage_size_in_days, cold_storage_size_in_days, mode}")
            return None
        before = len(self.problems)
        self.check_keys(
            raw,
            (),
            file,
            ("digital_twin_name", "hot_storage_size_in_days", "cold_storage_size_in_days", "mode"),
            {"observability": "logging follows mode (DEBUG: debug logs kept 1 week; PRODUCTION: 3 months)"},
        )
        name, resource = raw.get("digital_twin_name"), None
        if (
            not isinstance(name, str)
            or len(name) > rules.MAX_TWIN_NAME
            or not rules.TWIN_NAME.fullmatch(name)
        ):
            self.add(
                file,
                ("digital_twin_name",),
                f"a name of 1-{rules.MAX_TWIN_NAME} characters matching {rules.TWIN_NAME.pattern} (got {_short(name)})",
            )
        else:
            resource = rules.resource_name(name)
            if resource is None:
                self.add(file, ("digital_twin_name",), f"a name with at least one letter or digit (got {name!r})")
            elif resource != name:
                self.warn(
                    file,
                    ("digital_twin_name",),
                    f"{name!r} is used as {resource!r} in stack and resource names (they must match "
                    f"{rules.RESOURCE_NAME.pattern}; the hash keeps it apart from similar names)",
                )
        for key, limit in (("hot_storage_size_in_days", MAX_HOT_DAYS), ("cold_storage_size_in_days", MAX_COLD_DAYS)):
            days = raw.get(key)
            if not _is_int(days) or not 1 <= days <= limit:
                self.add(file, (key,), f"a whole number of days from 1 to {limit:,} (got {_short(days)})")
        if "mode" in raw:
            mode = raw["mode"]
            if mode not in MODES:
                self.add(file, ("mode",), f"one of {', '.join(MODES)} (got {_short(mode)})")
        else:
            mode = DEFAULT_MODE
            self.warn(file, ("mode",), f"missing: {DEFAULT_MODE} is used (data retained on destroy); set \"DEBUG\" for destroyable resources")
        if len(self.problems) > before:
            return None
        return TwinSettings(name, raw["hot_storage_size_in_days"], raw["cold_storage_size_in_days"], mode, resource)

    # ---- config_providers.json ----------------------------------------------------------------

    def _providers(self, raw: Any) -> Providers | None:
        file = "config_providers.json"
        if raw is None:
            return None
        if not isinstance(raw, dict):
            self.add(file, (), "a JSON object of layer_*_provider keys")
            return None
        before = len(self.problems)
        self.check_keys(raw, (), file, tuple(layer.config_key for layer in Layer))
        chosen: dict[Layer, Provider] = {}
        for layer in Layer:
            value = raw.get(layer.config_key)
            if value is None:
                if layer in (Layer.L1, Layer.L2, Layer.L3_HOT):
                    self.add(file, (layer.config_key,), "a provider: aws, azure or google")
                continue
            provider = PROVIDER_ALIASES.get(value.lower()) if isinstance(value, str) else None
            if provider is None:
                self.add(file, (layer.config_key,), f"a provider: aws, azure or google (got {_short(value)})")
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
                self.add(file, (layer.config_key,), f"aws or azure: Google Cloud offers no {service}{source}")
        if len(self.problems) > before or len(chosen) != len(Layer):
            return None
        return Providers.of(chosen)

    # ---- config_iot_devices.json --------------------------------------------------------------

    def _devices(self, raw: Any) -> tuple[Device, ...]:
        file = "config_iot_devices.json"
        if raw is None:
            return ()
        if not isinstance(raw, list) or not raw:
            self.add(file, (), "a non-empty JSON array of devices")
            return ()
        if len(raw) > MAX_DEVICES:
            self.add(file, (), f"at most {MAX_DEVICES:,} devices (got {len(raw):,}): split the fleet across twins")
            return ()
        max_id = rules.max_device_id_length(self.twin.resource_name if self.twin else "x" * rules.MAX_TWIN_NAME)
        azure_twin = self._l4() is Provider.AZURE
        devices: list[Device] = []
        seen: dict[str, str] = {}  # folded id → id
        model_ids: dict[str, str] = {}
        for i, item in enumerate(raw):
            parts = (i,)
            if not isinstance(item, dict):
                self.add(file, parts, "a device object {id, properties, constProperties?}")
                continue
            self.check_keys(item, parts, file, ("id", "properties", "constProperties"))
            device_id = item.get("id")
            if not isinstance(device_id, str) or not rules.NAME.fullmatch(device_id) or len(device_id) > max_id:
                self.add(
                    file,
                    parts + ("id",),
                    f"a device id of 1-{max_id} characters matching {rules.NAME.pattern} (`<twin>-<id>` is an IoT "
                    f"thing name of at most {rules.MAX_THING_NAME}; got {_short(device_id)})",
                )
                device_id = None
            else:
                key = rules.folded(device_id)
                if key in seen:
                    same = seen[key] == device_id
                    self.add(
                        file,
                        parts + ("id",),
                        f"a unique device id ({device_id!r} is used twice)"
                        if same
                        else f"a device id distinct from {seen[key]!r} ignoring case, '-' and '_' (resource names "
                        "on Google Cloud and the construct ids cannot tell them apart)",
                    )
                    device_id = None
                else:
                    seen[key] = device_id
                if device_id is not None and azure_twin:
                    model = _dtdl_model_id(device_id)
                    if model in model_ids:
                        self.add(file, parts + ("id",), f"a device id whose DTDL model id differs from {model_ids[model]!r}'s")
                    model_ids[model] = device_id
            props = self._properties(item, parts, file)
            consts = self._const_properties(item, parts, file)
            names = [p.name for p in props] + [c.name for c in consts]
            for dup in sorted({n for n in names if names.count(n) > 1}):
                self.add(file, parts, f"unique property names ({dup!r} appears twice)")
            if len(names) > MAX_PROPERTIES_PER_DEVICE:
                self.add(file, parts, f"at most {MAX_PROPERTIES_PER_DEVICE} properties and constProperties per device")
            if device_id is not None:
                devices.append(Device(device_id, props, consts))
        return tuple(devices)

    def _property_name(self, entry: dict, parts: tuple, file: str) -> str | None:
        name = entry.get("name")
        if not isinstance(name, str) or not rules.NAME.fullmatch(name) or len(name) > rules.MAX_PROPERTY_NAME:
            self.add(
                file,
                parts + ("name",),
                f"a property name of 1-{rules.MAX_PROPERTY_NAME} characters matching {rules.NAME.pattern} (got {_short(name)})",
            )
            return None
        if name in RESERVED_PROPERTY_NAMES:
            self.add(file, parts + ("name",), f"a name other than the reserved {', '.join(RESERVED_PROPERTY_NAMES)}")
            return None
        if self._l4() is Provider.AZURE:
            if not rules.DTDL_NAME.fullmatch(name) or len(name) > rules.MAX_DTDL_NAME:
                self.add(
                    file,
                    parts + ("name",),
                    f"a DTDL name matching {rules.DTDL_NAME.pattern} (it becomes an Azure Digital Twins property)",
                )
                return None
            if name in DTDL_RESERVED_NAMES:
                self.add(file, parts + ("name",), f"a name other than {', '.join(DTDL_RESERVED_NAMES)} (the device model defines them)")
                return None
        return name

    def _data_type(self, entry: dict, parts: tuple, file: str) -> str | None:
        data_type = entry.get("dataType")
        if data_type not in DATA_TYPES:
            self.add(file, parts + ("dataType",), f"one of {', '.join(DATA_TYPES)} (got {_short(data_type)})")
            return None
        return data_type

    def _properties(self, item: dict, parts: tuple, file: str) -> tuple[DeviceProperty, ...]:
        raw = item.get("properties")
        if not isinstance(raw, list):
            self.add(file, parts + ("properties",), "an array of {name, dataType, initValue?}")
            return ()
        result = []
        for j, entry in enumerate(raw):
            here = parts + ("properties", j)
            if not isinstance(entry, dict):
                self.add(file, here, "an object {name, dataType, initValue?}")
                continue
            self.check_keys(entry, here, file, ("name", "dataType", "initValue"))
            name, data_type = self._property_name(entry, here, file), self._data_type(entry, here, file)
            value = entry.get("initValue")
            if data_type and value is not None and (problem := _value_problem(value, data_type)):
                self.add(file, here + ("initValue",), problem)
            elif name and data_type:
                result.append(DeviceProperty(name, data_type, value))
        return tuple(result)

    def _const_properties(self, item: dict, parts: tuple, file: str) -> tuple[ConstProperty, ...]:
        raw = item.get("constProperties", [])
        if not isinstance(raw, list):
            self.add(file, parts + ("constProperties",), "an array of {name, dataType, value}")
            return ()
        result = []
        for j, entry in enumerate(raw):
            here = parts + ("constProperties", j)
            if not isinstance(entry, dict) or "value" not in entry:
                self.add(file, here, "an object {name, dataType, value}")
                continue
            self.check_keys(entry, here, file, ("name", "dataType", "value"))
            name, data_type = self._property_name(entry, here, file), self._data_type(entry, here, file)
            value = entry["value"]
            if data_type and (problem := _value_problem(value, data_type, constant=True)):
                self.add(file, here + ("value",), problem)
            elif name and data_type:
                result.append(ConstProperty(name, data_type, value))
        return tuple(result)

    # ---- config_hierarchy.json ----------------------------------------------------------------

    def _hierarchy(self, raw: Any) -> tuple[HierarchyEntity, ...]:
        file = "config_hierarchy.json"
        if raw is None:
            return ()
        if not isinstance(raw, list):
            self.add(file, (), "a JSON array of entity nodes")
            return ()
        seen: set[str] = set()
        count = [0]
        l4 = self._l4()
        prefixes = tuple(
            f"{name}-" for name in dict.fromkeys((self.twin.digital_twin_name, self.twin.resource_name) if self.twin else ())
        )

        def component(node: dict, parts: tuple) -> HierarchyComponent | None:
            self.check_keys(
                node,
                parts,
                file,
                ("type", "name", "iotDeviceId", "componentTypeId"),
                {key: "a component's properties come from its device in config_iot_devices.json"
                 for key in ("properties", "constProperties")},
            )
            name = node.get("name")
            if not isinstance(name, str) or not rules.NAME.fullmatch(name) or len(name) > rules.MAX_PROPERTY_NAME:
                self.add(
                    file,
                    parts + ("name",),
                    f"a component name of 1-{rules.MAX_PROPERTY_NAME} characters matching {rules.NAME.pattern} (got {_short(name)})",
                )
                return None
            device_id, type_id = node.get("iotDeviceId"), node.get("componentTypeId")
            if type_id is not None and not isinstance(type_id, str):
                self.add(file, parts + ("componentTypeId",), f"a string <twin>-<device id> (got {_short(type_id)})")
                return None
            if device_id is None and type_id is not None:
                device_id = next((type_id[len(p):] for p in prefixes if type_id.startswith(p)), None)  # <twin>-<device>
            if device_id is None:
                self.add(file, parts + ("iotDeviceId",), "the id of a device in config_iot_devices.json")
                return None
            if not _known_device(device_id, self.device_ids):
                self.add(file, parts + ("iotDeviceId",), f"a device of config_iot_devices.json (no device {_short(device_id)})")
                return None
            return HierarchyComponent(name, device_id, type_id)

        def entity(node: Any, parts: tuple) -> HierarchyEntity | None:
            if not isinstance(node, dict) or node.get("type") != "entity":
                self.add(file, parts + ("type",), '"entity" (components must sit under an entity)')
                return None
            count[0] += 1
            self.check_keys(node, parts, file, ("type", "id", "children"))
            entity_id = node.get("id")
            if not isinstance(entity_id, str) or not rules.NAME.fullmatch(entity_id) or len(entity_id) > rules.MAX_ENTITY_ID:
                self.add(
                    file,
                    parts + ("id",),
                    f"an entity id of 1-{rules.MAX_ENTITY_ID} characters matching {rules.NAME.pattern} (got {_short(entity_id)})",
                )
                return None
            if l4 is Provider.AWS and not rules.TWINMAKER_ENTITY_ID.fullmatch(entity_id):
                self.add(
                    file,
                    parts + ("id",),
                    f"an IoT TwinMaker entity id: at least 2 characters, starting and ending with a letter or digit (got {entity_id!r})",
                )
            if l4 is Provider.AZURE and self.device_ids and entity_id in self.device_ids:
                self.add(file, parts + ("id",), f"an id other than a device's: {entity_id!r} would be one digital twin for both")
            if entity_id in seen:
                self.add(file, parts + ("id",), f"a unique entity id ({entity_id!r} is used twice)")
            seen.add(entity_id)
            children, components = [], []
            raw_children = node.get("children", [])
            if not isinstance(raw_children, list):
                self.add(file, parts + ("children",), "an array of entity or component nodes")
                raw_children = []
            for k, child in enumerate(raw_children):
                child_parts = parts + ("children", k)
                if isinstance(child, dict) and child.get("type") == "component":
                    made = component(child, child_parts)
                    if made:
                        components.append(made)
                else:
                    made_entity = entity(child, child_parts)
                    if made_entity:
                        children.append(made_entity)
            if len(components) > MAX_COMPONENTS_PER_ENTITY:
                self.add(file, parts + ("children",), f"at most {MAX_COMPONENTS_PER_ENTITY} components per entity (TwinMaker quota)")
            component_names = [c.name for c in components]
            for dup in sorted({n for n in component_names if component_names.count(n) > 1}):
                self.add(file, parts + ("children",), f"unique component names ({dup!r} appears twice)")
            return HierarchyEntity(entity_id, tuple(children), tuple(components))

        result = tuple(e for i, node in enumerate(raw) if (e := entity(node, (i,))) is not None)
        if count[0] > MAX_ENTITIES:
            self.add(file, (), f"at most {MAX_ENTITIES:,} entities (got {count[0]:,})")
        return result

    # ---- config_optimization.json -------------------------------------------------------------

    def _flags(self, raw: Any) -> OptimizationFlags:
        file = "config_optimization.json"
        if raw is None:
            return OptimizationFlags()
        if not isinstance(raw, dict):
            self.add(file, (), 'an object {"result": {"inputParamsUsed": {...}}}')
            return OptimizationFlags()
        if "result" not in raw and set(raw) & set(FLAG_KEYS):
            # The predecessor's later versions also read flags from the top level.
            self.warn(file, (), "flags read from the top level; their usual place is result.inputParamsUsed")
            params, parts = raw, ()
        else:
            self.check_keys(raw, (), file, ("result",))
            result = raw.get("result", {})
            if not isinstance(result, dict):
                self.add(file, ("result",), "an object {inputParamsUsed}")
                return OptimizationFlags()
            self.check_keys(
                result, ("result",), file, ("inputParamsUsed",),
                {"calculationResult": "informational: layers are placed by config_providers.json"},
            )
            params, parts = result.get("inputParamsUsed", {}), ("result", "inputParamsUsed")
        if not isinstance(params, dict):
            self.add(file, parts, "an object of feature flags")
            return OptimizationFlags()
        self.check_keys(params, parts, file, (*FLAG_KEYS, "integrateErrorHandling", "needs3DModel"))
        values = {}
        for key, attr in FLAG_KEYS.items():
            value = params.get(key, False)
            if not isinstance(value, bool):
                self.add(file, parts + (key,), f"true or false (got {_short(value)})")
                value = False
            values[attr] = value
        for key in ("integrateErrorHandling", "needs3DModel"):
            if key in params and not isinstance(params[key], bool):
                self.add(file, parts + (key,), f"true or false (got {_short(params[key])})")
        if params.get("integrateErrorHandling") is True:
            self.add(file, parts + ("integrateErrorHandling",), "false: error-handling topologies are not supported")
        if params.get("needs3DModel") is True:
            self.warn(file, parts + ("needs3DModel",), "ignored: 3D scenes are not deployed")
        return OptimizationFlags(**values)

    # ---- config_events.json -------------------------------------------------------------------

    def _events(self, raw: Any, flags: OptimizationFlags) -> tuple[tuple[int, EventRule], ...]:
        file = "config_events.json"
        if raw is None:
            return ()
        if not isinstance(raw, list):
            self.add(file, (), "a JSON array of event rules")
            return ()
        if len(raw) > MAX_RULES:
            self.add(file, (), f"at most {MAX_RULES:,} event rules (got {len(raw):,})")
            return ()
        property_types = self._property_types()
        rules_found = []
        function_names: dict[str, str] = {}  # folded → as written
        for i, item in enumerate(raw):
            parts = (i,)
            if not isinstance(item, dict):
                self.add(file, parts, "an object {condition, action}")
                continue
            self.check_keys(item, parts, file, ("condition", "action"))
            condition = self._condition(item.get("condition"), parts + ("condition",), property_types)
            action = self._action(item.get("action"), parts + ("action",), flags)
            if action is not None:
                for key, name in (("functionName", action.function_name), ("functionNameB", action.function_name_b)):
                    if name is None:
                        continue
                    other = function_names.setdefault(rules.folded(name), name)
                    if other != name:
                        self.add(
                            file, parts + ("action", key),
                            f"a function name distinct from {other!r} ignoring case, '-' and '_' (their functions' "
                            "names would collide)",
                        )
            if condition and action:
                rules_found.append((i, EventRule(condition, action)))
        if self.twin is not None:
            self._check_action_name_lengths(self.twin.resource_name, tuple(rules_found))
        return tuple(rules_found)

    def _property_types(self) -> dict[str, set[str]] | None:
        """Telemetry property name → data types across devices; None when devices are unusable."""
        if self.device_ids is None:
            return None
        types: dict[str, set[str]] = {}
        for device in self.devices:
            for prop in device.properties:
                types.setdefault(prop.name, set()).add(prop.data_type)
        return types

    def _condition(self, condition: Any, parts: tuple, property_types: dict[str, set[str]] | None) -> str | None:
        file = "config_events.json"
        if not isinstance(condition, str) or len(condition) > MAX_CONDITION:
            self.add(file, parts, f'"<a> <op> <b>" of at most {MAX_CONDITION} characters (got {_short(condition)})')
            return None
        try:
            parsed = parse_condition(condition)
        except ValueError as exc:
            self.add(file, parts, f'"<a> <op> <b>" with op <, > or == ({_short_text(str(exc))})')
            return None
        kinds = []
        for operand in (parsed.left, parsed.right):
            if isinstance(operand, Constant):
                value = operand.value
                if isinstance(value, float) and not math.isfinite(value):
                    self.add(file, parts, f"a finite constant: {value} never compares true, so the rule could never fire")
                    return None
                if isinstance(value, int) and not INT_RANGES["LONG"][0] <= value <= INT_RANGES["LONG"][1]:
                    self.add(file, parts, "an INTEGER constant within 64 bits")
                    return None
                if isinstance(value, str) and len(value) > MAX_STRING_VALUE:
                    self.add(file, parts, f"a STRING constant of at most {MAX_STRING_VALUE} characters")
                    return None
                kinds.append({"text"} if isinstance(value, str) else {"number"})
            elif isinstance(operand, PropertyRef) and property_types is not None:
                if operand.name not in property_types:
                    self.add(
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
            self.add(file, parts, "operands that can compare: text is never equal to, less or greater than a number, "
                                  "so the rule could never fire")
            return None
        return condition

    def _action(self, raw: Any, parts: tuple, flags: OptimizationFlags) -> EventAction | None:
        file = "config_events.json"
        if not isinstance(raw, dict):
            self.add(file, parts, "an action object {type, functionName, ...}")
            return None
        before = len(self.problems)
        self.check_keys(
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
            self.add(file, parts + ("type",), f"one of {', '.join(t.value for t in ActionType)} (got {_short(kind)})")
        function_name = raw.get("functionName")
        if not isinstance(function_name, str) or not rules.NAME.fullmatch(function_name):
            self.add(file, parts + ("functionName",), f"a function name matching {rules.NAME.pattern} (got {_short(function_name)})")
        function_b = raw.get("functionNameB")
        if action_type is not None and action_type.is_workflow:
            if not isinstance(function_b, str) or not rules.NAME.fullmatch(function_b):
                self.add(file, parts + ("functionNameB",), f"the second function of the {action_type.value} workflow")
        elif function_b is not None:
            self.warn(file, parts + ("functionNameB",), "ignored: only workflow actions call a second function")
            function_b = None
        auto_deploy = raw.get("autoDeploy", True)
        if not isinstance(auto_deploy, bool):
            self.add(file, parts + ("autoDeploy",), f"true or false (got {_short(auto_deploy)})")
        feedback = self._feedback(raw["feedback"], parts + ("feedback",), flags) if "feedback" in raw else None
        if len(self.problems) > before or action_type is None:
            return None
        return EventAction(action_type, function_name, function_b, auto_deploy, feedback)

    def _feedback(self, fb: Any, parts: tuple, flags: OptimizationFlags) -> EventFeedback | None:
        file = "config_events.json"
        if not isinstance(fb, dict):
            self.add(file, parts, "a feedback object {type, iotDeviceId, payload}")
            return None
        self.check_keys(fb, parts, file, ("type", "iotDeviceId", "device_id", "payload"))
        kind = fb.get("type", "mqtt")
        if not isinstance(kind, str) or not 1 <= len(kind) <= MAX_FEEDBACK_TYPE:
            self.add(file, parts + ("type",), f'a transport name such as "mqtt" (got {_short(kind)})')
            return None
        device = fb.get("iotDeviceId", fb.get("device_id"))
        if not _known_device(device, self.device_ids):
            self.add(file, parts + ("iotDeviceId",), f"a device of config_iot_devices.json (got {_short(device)})")
            return None
        if "payload" not in fb or fb["payload"] is None:
            self.add(file, parts + ("payload",), "the message to send back to the device")
            return None
        size = len(json.dumps(fb["payload"], ensure_ascii=False).encode("utf-8"))
        if size > MAX_PAYLOAD_BYTES:
            self.add(file, parts + ("payload",), f"a message of at most {_size(MAX_PAYLOAD_BYTES)} as JSON (it has {_size(size)})")
            return None
        if not flags.return_feedback_to_device:
            self.warn(file, parts, "ignored: returnFeedbackToDevice is not true in config_optimization.json")
        return EventFeedback(kind, device, fb["payload"])

    def _check_action_name_lengths(self, twin_name: str, events: tuple[tuple[int, EventRule], ...]) -> None:
        budget = MAX_FUNCTION_NAME - len(twin_name) - len(ACTION_NAME_INFIX)
        for i, rule in events:
            action = rule.action
            for key, name in (("functionName", action.function_name), ("functionNameB", action.function_name_b)):
                if name is not None and len(name) > budget:
                    self.add(
                        "config_events.json",
                        (i, "action", key),
                        f"at most {budget} characters, so that {twin_name}{ACTION_NAME_INFIX}<name> fits the "
                        f"{MAX_FUNCTION_NAME}-character function-name limit (got {len(name)})",
                    )

    # ---- features and their files -------------------------------------------------------------

    def _check_flag_dependencies(self, flags: OptimizationFlags, events: tuple[tuple[int, EventRule], ...]) -> None:
        file = "config_optimization.json"
        if flags.trigger_notification_workflow and not flags.use_event_checking:
            self.problems.add(file, f"{FLAGS_PATH}.triggerNotificationWorkflow", "useEventChecking to be true as well")
        if flags.return_feedback_to_device and not flags.use_event_checking:
            self.problems.add(file, f"{FLAGS_PATH}.returnFeedbackToDevice", "useEventChecking to be true as well")
        if events and not flags.use_event_checking:
            self.warnings.add("config_events.json", "$", "ignored: useEventChecking is not true in config_optimization.json")
        l2 = self.providers[Layer.L2]
        allowed = ACTION_TYPES[l2]
        for i, rule in events:
            action_type = rule.action.type
            if action_type not in allowed:
                self.add(
                    "config_events.json",
                    (i, "action", "type"),
                    f"an action type layer 2's cloud ({l2.value}) runs: {' or '.join(t.value for t in allowed)}",
                )
            elif action_type.is_workflow and not flags.trigger_notification_workflow:
                self.add("config_events.json", (i, "action", "type"), "triggerNotificationWorkflow to be true in config_optimization.json")

    def _actions(self, events: tuple[tuple[int, EventRule], ...]) -> tuple[ActionCode, ...]:
        l2 = self.providers[Layer.L2]
        entry_file, entry_function = ACTION_ENTRY[l2]
        found: dict[str, ActionCode] = {}
        checked: set[str] = set()
        for i, rule in events:
            action = rule.action
            if not action.auto_deploy or action.type not in ACTION_TYPES[l2]:
                continue
            names = [action.function_name] + ([action.function_name_b] if action.type.is_workflow else [])
            for name in names:
                if name in checked:
                    continue
                checked.add(name)
                relative = f"{FUNCTION_DIRS[l2]}/event_actions/{name}"
                entry = self.files.entry(relative)
                if entry is None:
                    continue
                if entry.kind != "folder":
                    self.add("config_events.json", (i, "action"), f"a code folder {relative}/ (useEventChecking deploys every action)")
                    continue
                code = self.files.tree(relative)
                if code is None:
                    continue
                missing = f"the action's code: {entry_file} defining {entry_function}()"
                if self._has_function(f"{relative}/{entry_file}", entry_function, dict(code).get(entry_file), missing):
                    found[name] = ActionCode(name, entry.real, code)
        return tuple(found[name] for name in sorted(found))

    def _has_function(self, relative: str, function: str, source: Path | None, missing: str) -> bool:
        """Whether the file exists, is Python and defines `function` at the top level (reported if not)."""
        if source is None:
            self.problems.add(relative, "$", missing)
            return False
        text = self._text(relative, required=True, limit=MAX_CODE_BYTES)
        if text is None:
            return False
        try:
            tree = ast.parse(text, filename=relative)
        except SyntaxError as exc:
            self.problems.add(relative, f"line {exc.lineno}", f"valid Python ({exc.msg})")
            return False
        except (ValueError, RecursionError, MemoryError) as exc:  # NUL bytes, absurd nesting
            self.problems.add(relative, "$", f"valid Python ({exc or type(exc).__name__})")
            return False
        if not any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == function for n in tree.body):
            self.problems.add(relative, "$", f"a top-level function {function}()")
            return False
        return True

    def _state_machine(self) -> Path | None:
        l2 = self.providers[Layer.L2]
        relative, limit = WORKFLOW_FILES[l2]
        entry = self.files.entry(relative)
        if entry is None:
            return None
        if entry.kind != "file":
            self.problems.add("config_optimization.json", f"{FLAGS_PATH}.triggerNotificationWorkflow", f"the workflow file {relative}")
            return None
        before = len(self.problems)
        document = self._document(relative, required=True, limit=limit)
        if document is None:
            return None
        WORKFLOW_CHECKS[l2.value](document, relative, self.problems, self.warnings)
        return entry.real if len(self.problems) == before else None

    def _processor_files(self) -> tuple[tuple[str, Path], ...]:
        folder = self.files.entry("processors")
        if folder is None or folder.kind != "folder":
            return ()
        found = []
        for name in self.files.children("processors"):
            if name.startswith((".", "__")):
                continue
            entry = self.files.entry(f"processors/{name}")
            if entry is None or entry.kind != "folder":
                continue
            relative = f"processors/{name}/process.py"
            if not _known_device(name, self.device_ids):
                self.problems.add(relative, "$", f"a folder named after a device of config_iot_devices.json (no device {_short(name)})")
                continue
            source = self.files.entry(relative)
            if source is None:
                continue
            if self._has_function(relative, "process", source.real if source.kind == "file" else None, "the file to exist"):
                found.append((name, source.real))
        return tuple(found)

    def _note_ignored_files(self) -> None:
        for relative, why in IGNORED_FILES.items():
            if (self.files.root / relative).exists() or (self.files.root / relative).is_symlink():
                self.warnings.add(relative, "$", why)


def _dtdl_model_id(device_id: str) -> str:
    from constructs_lib.azure.dtdl import device_model_id  # pure naming, no CDK import

    return device_model_id("twin", device_id)


def _known_device(device_id: Any, device_ids: set[str] | None) -> bool:
    """A device reference is a string naming a device (any string when the device list is unusable)."""
    return isinstance(device_id, str) and (device_ids is None or device_id in device_ids)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _value_problem(value: Any, data_type: str, *, constant: bool = False) -> str | None:
    """Why `value` cannot be a `data_type` value, or None."""
    if data_type == "STRING":
        low = 1 if constant else 0
        if not isinstance(value, str) or not low <= len(value) <= MAX_STRING_VALUE:
            return f"a string of {low}-{MAX_STRING_VALUE} characters for a STRING property (got {_short(value)})"
    elif data_type == "BOOLEAN":
        if not isinstance(value, bool):
            return f"true or false for a BOOLEAN property (got {_short(value)})"
    elif data_type == "DOUBLE":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not abs(value) <= MAX_DOUBLE:
            return f"a number within ±{MAX_DOUBLE:g} for a DOUBLE property (got {_short(value)})"
    else:
        low, high = INT_RANGES[data_type]
        if not _is_int(value) or not low <= value <= high:
            bits = 32 if data_type == "INTEGER" else 64
            return f"a whole number within {bits} bits for an {data_type} property (got {_short(value)})"
    return None


def _short(value: Any) -> str:
    """A value for a report: never the whole of a huge one."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:40]}... ({len(text):,} characters)"


def _short_text(text: str) -> str:
    return text if len(text) <= 200 else f"{text[:150]}... ({len(text):,} characters)"


def _size(count: int) -> str:
    for unit, name in ((1024 * 1024, "MB"), (1024, "KB")):
        if count % unit == 0:
            return f"{count // unit} {name}"
    return f"{count:,} bytes"
