"""AWS L4: the twin's entity graph in IoT TwinMaker, loaded as data after the L4 stack
(docs/design.md §7a).

The L4 stack holds the workspace, its bucket and role, and the readers; it names no device and
no entity, so it is the same for any hierarchy. This step, after it:
1. makes the component types: one per device *schema* (telemetry and constant names and types),
   id `<twin>-schema-<8 hex of the schema>`, so a type is a function of its schema and is never
   changed, only added (TwinMaker allows few types per workspace; devices share them). Telemetry
   is time series read through the stack's `dataReader` and `attributePropertyValueReaderByEntity`
   (none in a twin without hot storage); `iotDeviceId` (required) tells the readers the device;
2. lists the workspace's entities once (200 a page) and creates the missing ones parents first,
   updates those whose content changed (each entity's description carries a digest of what it
   should be, so an unchanged entity costs no call), and deletes those the hierarchy no longer
   has, children first. `dry_run` lists all this and changes nothing;
3. paces its writes (CreateEntity, UpdateEntity, DeleteEntity: TwinMaker has no batch call for
   them outside metadata transfer jobs) at `rate` per second, retrying throttled calls and a child
   whose parent is still being created, with backoff. An entity that still fails is reported by id
   and the others go on; a re-run does what is left (creation is skipped for what exists).
The workspace's entity quota (10,000 by default, adjustable) is a warning of the loader.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from twin_model.config.model import Layer, ProjectConfig
from twin_model.topology import Topology, TwinStack
from twin_ops.post_deploy import LocalTwin, PostDeployError, PostDeployRequest

DEVICE_ID_PROPERTY = "iotDeviceId"
ROOT = "$ROOT"
PAGE = 200  # ListEntities / ListComponentTypes largest page
DEFAULT_RATE = 10.0  # writes per second
RETRY_WAITS = (0.5, 1, 2, 4, 8, 16)
RETRIED = ("ThrottlingException", "ConflictException", "TooManyRequestsException")
DATA_READER = "dataReader"
LAST_ENTRY_READER = "attributePropertyValueReaderByEntity"


@dataclass(frozen=True)
class TwinDevice:
    id: str
    telemetry: tuple[tuple[str, str], ...]  # (name, data type)
    constants: tuple[tuple[str, str, object], ...] = ()  # (name, data type, value)

    @property
    def schema(self) -> tuple:
        return self.telemetry, tuple((name, data_type) for name, data_type, _ in self.constants)


@dataclass(frozen=True)
class EntityComponent:
    name: str
    device_id: str | None = None
    component_type_id: str | None = None  # an existing type, for a component without a device
    constants: tuple[tuple[str, str, object], ...] = ()


@dataclass(frozen=True)
class TwinEntity:
    id: str
    parent_id: str | None
    depth: int
    components: tuple[EntityComponent, ...] = ()


def twin_graph(config: Any) -> tuple[tuple[TwinDevice, ...], tuple[TwinEntity, ...]]:
    """The devices and the flattened hierarchy (parents first) of a validated ProjectConfig."""
    devices = tuple(
        TwinDevice(d.id, tuple((p.name, p.data_type) for p in d.properties),
                   tuple((c.name, c.data_type, c.value) for c in d.const_properties))
        for d in config.devices
    )
    flat: list[TwinEntity] = []

    def visit(roots: Iterable[Any], parent: str | None, depth: int) -> None:
        for entity in roots:
            components = tuple(
                EntityComponent(c.name, device_id=c.iot_device_id, component_type_id=c.component_type_id,
                                constants=tuple((k.name, k.data_type, k.value) for k in c.const_properties))
                for c in entity.components
            )
            flat.append(TwinEntity(entity.id, parent, depth, components))
            visit(entity.children, entity.id, depth + 1)

    visit(config.hierarchy, None, 0)
    return devices, tuple(flat)


def _digest(value: object, length: int = 8) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:length]


def schema_type_id(twin: str, device: TwinDevice) -> str:
    return f"{twin}-schema-{_digest(device.schema)}"


def _value(data_type: str, value: object) -> dict:
    return {f"{data_type.lower()}Value": value}


def component_types(twin: str, devices: Sequence[TwinDevice], readers: tuple[str, str] | None) -> dict[str, dict]:
    """CreateComponentType requests by type id; `readers`: (dataReader, last-entry reader) ARNs."""
    types: dict[str, dict] = {}
    for device in sorted(devices, key=lambda d: d.id):
        type_id = schema_type_id(twin, device)
        if type_id in types:
            continue
        telemetry, constants = device.schema
        definitions: dict[str, dict] = {
            name: {"dataType": {"type": t}, **({"isTimeSeries": True, "isStoredExternally": True} if readers else {})}
            for name, t in telemetry
        }
        definitions.update({name: {"dataType": {"type": t}} for name, t in constants})
        definitions[DEVICE_ID_PROPERTY] = {"dataType": {"type": "STRING"}, "isRequiredInEntity": True}
        request: dict[str, Any] = {
            "componentTypeId": type_id,
            "description": f"Telemetry schema shared by the devices of {twin} with these properties",
            "propertyDefinitions": definitions,
        }
        if readers:
            request["functions"] = {
                name: {"implementedBy": {"isNative": False, "lambda": {"arn": arn}}, "requiredProperties": [DEVICE_ID_PROPERTY]}
                for name, arn in zip((DATA_READER, LAST_ENTRY_READER), readers, strict=True)
            }
        types[type_id] = request
    return types


def entity_requests(twin: str, entities: Sequence[TwinEntity], devices: Sequence[TwinDevice]) -> list[tuple[TwinEntity, dict]]:
    """(entity, CreateEntity request) parents first; each description carries its content digest."""
    by_id = {device.id: device for device in devices}
    made = []
    for entity in sorted(entities, key=lambda e: e.depth):
        components = {c.name: _component(twin, c, by_id) for c in entity.components}
        body: dict[str, Any] = {"entityId": entity.id, "entityName": entity.id}
        if entity.parent_id is not None:
            body["parentEntityId"] = entity.parent_id
        if components:
            body["components"] = components
        body["description"] = f"{twin} twin entity (content {_digest(body, 16)})"
        made.append((entity, body))
    return made


def _component(twin: str, component: EntityComponent, devices: Mapping[str, TwinDevice]) -> dict:
    if component.device_id is None:
        return {"componentTypeId": component.component_type_id}
    device = devices[component.device_id]
    declared = {name for name, _, _ in device.constants}
    values = {DEVICE_ID_PROPERTY: ("STRING", device.id)}
    values.update({name: (t, v) for name, t, v in device.constants})
    values.update({name: (t, v) for name, t, v in component.constants})
    return {
        "componentTypeId": schema_type_id(twin, device),
        "properties": {
            name: {"value": _value(t, v),
                   **({} if name in declared or name == DEVICE_ID_PROPERTY else {"definition": {"dataType": {"type": t}}})}
            for name, (t, v) in values.items()
        },
    }


class Pacer:
    """At most `rate` calls per second, across threads."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self._interval, self._clock, self._sleep = 1.0 / rate, clock, sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + self._interval
        if start > now:
            self._sleep(start - now)


@dataclass
class EntityResult:
    types_created: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    dry_run: bool = False

    def summary(self, workspace: str) -> str:
        verb = "would be " if self.dry_run else ""
        deleted = f" ({', '.join(self.deleted[:20])}{' …' if len(self.deleted) > 20 else ''})" if self.deleted else ""
        line = (f"TwinMaker workspace {workspace}: {len(self.types_created)} component types {verb}created; entities "
                f"{len(self.created)} {verb}created, {len(self.updated)} {verb}updated, {self.unchanged} unchanged, "
                f"{len(self.deleted)} {verb}deleted{deleted}")
        if self.failed:
            line += f"; {len(self.failed)} failed: " + "; ".join(f"{e}: {why}" for e, why in sorted(self.failed.items()))
        return line


def sync_entities(
    client: Any, workspace: str, twin: str, devices: Sequence[TwinDevice], entities: Sequence[TwinEntity],
    readers: tuple[str, str] | None, *, dry_run: bool = False, pacer: Pacer | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> EntityResult:
    """`client`: a boto3 IoT TwinMaker client, or the local stand-in."""
    result, pacer = EntityResult(dry_run=dry_run), pacer or Pacer(DEFAULT_RATE)
    write = _Writer(pacer, sleep)
    existing_types = {t["componentTypeId"] for t in _pages(client.list_component_types, "componentTypeSummaries",
                                                              workspaceId=workspace)}
    for type_id, request in component_types(twin, devices, readers).items():
        if type_id not in existing_types:
            result.types_created.append(type_id)
            if not dry_run:
                write(lambda r=request: client.create_component_type(workspaceId=workspace, **r))
    present = {e["entityId"]: e for e in _pages(client.list_entities, "entitySummaries", workspaceId=workspace)}
    wanted = entity_requests(twin, entities, devices)
    blocked: set[str] = set()  # entities whose parent failed: not tried
    for entity, body in wanted:
        if entity.parent_id in blocked or entity.parent_id in result.failed:
            blocked.add(entity.id)
            result.failed[entity.id] = f"its parent {entity.parent_id} failed"
            continue
        current = present.get(entity.id)
        if current is None:
            result.created.append(entity.id)
            call = lambda b=body: client.create_entity(workspaceId=workspace, **b)  # noqa: E731
        elif current.get("description") != body["description"] or _parent(current) != body.get("parentEntityId"):
            result.updated.append(entity.id)
            call = lambda b=body: _update(client, workspace, b)  # noqa: E731
        else:
            result.unchanged += 1
            continue
        if not dry_run:
            failure = write(call)
            if failure:
                result.failed[entity.id] = failure
    keep = {entity.id for entity, _ in wanted}
    depth = _depths(present)
    for entity_id in sorted(set(present) - keep, key=lambda e: -depth[e]):
        result.deleted.append(entity_id)
        if not dry_run:
            failure = write(lambda e=entity_id: client.delete_entity(workspaceId=workspace, entityId=e, isRecursive=False))
            if failure:
                result.failed[entity_id] = failure
    return result


def _parent(entity: Mapping[str, Any]) -> str | None:
    """An entity's parent; TwinMaker names the root `$ROOT`."""
    parent = entity.get("parentEntityId")
    return None if parent in (None, ROOT) else parent


def _update(client: Any, workspace: str, body: dict) -> None:
    """UpdateEntity to `body`: components added, replaced or removed, parent moved."""
    current = client.get_entity(workspaceId=workspace, entityId=body["entityId"])
    updates: dict[str, Any] = {
        name: {"updateType": "DELETE"} for name in (current.get("components") or {}) if name not in body.get("components", {})
    }
    for name, component in body.get("components", {}).items():
        updates[name] = {"updateType": "UPDATE" if name in (current.get("components") or {}) else "CREATE",
                         "componentTypeId": component["componentTypeId"],
                         **({"propertyUpdates": component["properties"]} if "properties" in component else {})}
    request: dict[str, Any] = {"workspaceId": workspace, "entityId": body["entityId"], "description": body["description"]}
    if updates:
        request["componentUpdates"] = updates
    if _parent(current) != body.get("parentEntityId") and body.get("parentEntityId"):
        request["parentEntityUpdate"] = {"updateType": "UPDATE", "parentEntityId": body["parentEntityId"]}
    client.update_entity(**request)


class _Writer:
    """One paced write, retried while TwinMaker throttles it or a parent is still being created;
    returns None, or why it finally failed."""

    def __init__(self, pacer: Pacer, sleep: Callable[[float], None]) -> None:
        self._pacer, self._sleep = pacer, sleep

    def __call__(self, call: Callable[[], Any]) -> str | None:
        for wait in (*RETRY_WAITS, None):
            self._pacer.wait()
            try:
                call()
                return None
            except Exception as error:  # botocore ClientError (or the stand-in's): judged by its code
                code, message = _error(error)
                if code not in RETRIED or wait is None:
                    return f"{code}: {message}"
                self._sleep(wait)
        return None


def _error(error: Exception) -> tuple[str, str]:
    response = getattr(error, "response", None)
    if isinstance(response, dict) and "Error" in response:
        return str(response["Error"].get("Code")), str(response["Error"].get("Message"))
    return type(error).__name__, str(error)


def _pages(call: Callable[..., dict], key: str, **request: Any) -> Iterable[dict]:
    while True:
        page = call(maxResults=PAGE, **request)
        yield from page.get(key, [])
        if not page.get("nextToken"):
            return
        request["nextToken"] = page["nextToken"]


def _depths(entities: Mapping[str, Mapping[str, Any]]) -> dict[str, int]:
    depths: dict[str, int] = {}

    def depth(entity_id: str, seen: frozenset[str] = frozenset()) -> int:
        if entity_id not in depths:
            parent = _parent(entities.get(entity_id, {}))
            depths[entity_id] = 0 if parent not in entities or parent in seen else depth(parent, seen | {entity_id}) + 1
        return depths[entity_id]

    for entity_id in entities:
        depth(entity_id)
    return depths


def run(request: PostDeployRequest, config: ProjectConfig, topology: Topology) -> str:
    """The step against the real clouds: its clients built here, its result line returned."""
    import boto3

    from twin_ops.post_deploy.aws_grafana_dashboards import stack_outputs

    session = boto3.Session(region_name=request.aws_region)
    outputs = stack_outputs(session.client("cloudformation"), topology.stack_name(Layer.L4))
    readers = (outputs["DataReaderArn"], outputs["LastEntryReaderArn"]) if "DataReaderArn" in outputs else None
    devices, entities = twin_graph(config)
    result = sync_entities(session.client("iottwinmaker"), outputs["WorkspaceId"], config.name, devices, entities,
                           readers, dry_run=request.dry_run)
    if result.failed:
        raise PostDeployError(result.summary(outputs["WorkspaceId"]))
    return result.summary(outputs["WorkspaceId"])


def run_locally(local: LocalTwin, stack: TwinStack) -> None:
    """The step against the TwinMaker stand-in (twin_ops/local/standins/twinmaker_registry.py),
    from the L4 stack's outputs."""
    template = local.output.cloudformation[stack.name].template
    outputs = {key: local.value(stack.name, output["Value"]) for key, output in template.get("Outputs", {}).items()}
    readers = (outputs["DataReaderArn"], outputs["LastEntryReaderArn"]) if "DataReaderArn" in outputs else None
    devices, entities = twin_graph(local.config)
    result = sync_entities(local.platform.twinmaker.registry, outputs["WorkspaceId"], local.config.name, devices,
                           entities, readers, pacer=Pacer(1e6), sleep=lambda seconds: None)
    if result.failed:
        raise PostDeployError(result.summary(outputs["WorkspaceId"]))
