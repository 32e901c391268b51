"""The twin's hierarchy: which file holds it, and the entity tree with its components.

Three files can hold it; the first that exists is read, in an order set by layer 4's cloud:
- L4 on AWS: `twin_hierarchy/aws_hierarchy.json` (the predecessor's TwinMaker tree), then
  `config_hierarchy.json` (the same tree format), then `twin_hierarchy/azure_hierarchy.json`;
- L4 on Azure: `twin_hierarchy/azure_hierarchy.json` (DTDL models, twins and relationships,
  deployed as given: twin_model.config.azure_hierarchy), then `config_hierarchy.json`, then
  `twin_hierarchy/aws_hierarchy.json`.
The others that exist are reported as not read. A tree read for Azure becomes generated DTDL, and
DTDL read for AWS becomes a tree (twin_model.config.azure_hierarchy.tree_of).

A component shows one device: its `iotDeviceId`, else (as the predecessor derived it) a
`componentTypeId` of `<twin>-<device id>` (or `<device id>`, which the newer generation prefixed
itself), else a component `name` that is a device id. Its
`properties` (the device's telemetry it shows) and `constProperties` (its own constants) are
typed and checked like the device's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from twin_model.config import devices as device_rules
from twin_model.config import azure_hierarchy
from twin_model.config import names as naming
from twin_model.config.context import MAX_LARGE_JSON_BYTES, LoadContext, known_device, short
from twin_model.config.documents import JsonObject, PathParts
from twin_model.config.model import ConstProperty, DeviceProperty, DtdlBundle, HierarchyComponent, HierarchyEntity, Provider

MAX_COMPONENTS_PER_ENTITY = 10  # IoT TwinMaker default quota
MAX_ENTITIES = 1_000_000  # the loader's own bound; the services' quotas below are adjustable, so they warn
TWINMAKER_ENTITY_QUOTA = 10_000  # IoT TwinMaker: entities per workspace (default, adjustable)
ADT_TWIN_QUOTA = 200_000  # Azure Digital Twins: twins per instance
NATIVE = "config_hierarchy.json"
AWS_TREE = "twin_hierarchy/aws_hierarchy.json"
AZURE_DTDL = "twin_hierarchy/azure_hierarchy.json"
ORDER = {
    Provider.AWS: (AWS_TREE, NATIVE, AZURE_DTDL),
    Provider.AZURE: (AZURE_DTDL, NATIVE, AWS_TREE),
}
TYPE_ID_NOT_USED = "not used: component types are shared per device schema (<twin>-schema-<hash>)"


def hierarchy(ctx: LoadContext) -> tuple[tuple[HierarchyEntity, ...], DtdlBundle | None]:
    l4 = ctx.l4()
    unknown = (NATIVE, AWS_TREE, AZURE_DTDL)  # layer 4's cloud unknown (or without a tree file): check what exists
    order = ORDER.get(l4, unknown) if l4 is not None else unknown
    present = []
    for name in order:
        entry = ctx.files.entry(name)
        if entry is None:
            return (), None  # a link out of the project: reported
        if entry.kind != "missing":
            present.append(name)
    if not present:
        others = " or ".join(o for o in order if o != NATIVE)
        ctx.add(NATIVE, (), f"the file to exist (the hierarchy; or {others})")
        return (), None
    chosen = present[0]
    if l4 is not None:
        for other in present[1:]:
            ctx.warn(other, (), f"not read: {chosen} is the hierarchy (with layer 4 on {l4.value}, the first of "
                     f"{', '.join(order)})")
    raw = ctx.document(chosen, required=True, limit=MAX_LARGE_JSON_BYTES)
    if raw is None:
        return (), None
    if chosen == AZURE_DTDL:
        bundle = azure_hierarchy.bundle(ctx, chosen, raw, deployed=l4 is Provider.AZURE)
        if l4 is None:
            return (), None
        if bundle is None:
            return (), None
        tree = azure_hierarchy.tree_of(ctx, chosen, bundle)
        if l4 is Provider.AWS:
            ctx.warn(chosen, (), "read as the TwinMaker entity tree: twins become entities, twins named after a "
                     "device its component, relationships the parent links")
            return _checked_tree(ctx, chosen, tree), None
        return tree, bundle
    if l4 is Provider.AZURE and chosen == AWS_TREE:
        ctx.warn(chosen, (), f"read as the entity tree of generated DTDL models ({AZURE_DTDL} would be read first)")
    return tree_file(ctx, chosen, raw), None


def _checked_tree(ctx: LoadContext, file: str, tree: tuple[HierarchyEntity, ...]) -> tuple[HierarchyEntity, ...]:
    """Entity ids of a tree made from DTDL, held to TwinMaker's rules."""
    for entity in _walk(tree):
        if not naming.TWINMAKER_ENTITY_ID.fullmatch(entity.id) or len(entity.id) > naming.MAX_ENTITY_ID:
            ctx.add(file, ("twins",), f"twin ids that are IoT TwinMaker entity ids: at least 2 characters of "
                    f"{naming.NAME.pattern}, a letter or digit at both ends (got {entity.id!r})")
        if len(entity.components) > MAX_COMPONENTS_PER_ENTITY:
            ctx.add(file, ("relationships",), f"at most {MAX_COMPONENTS_PER_ENTITY} device twins under {entity.id!r} "
                    "(TwinMaker components per entity)")
    return tree


def _walk(tree: tuple[HierarchyEntity, ...]) -> Iterator[HierarchyEntity]:
    for entity in tree:
        yield entity
        yield from _walk(entity.children)


def tree_file(ctx: LoadContext, file: str, raw: Any) -> tuple[HierarchyEntity, ...]:
    if not isinstance(raw, list):
        ctx.add(file, (), "a JSON array of entity nodes")
        return ()
    seen: set[str] = set()
    count = [0]
    l4 = ctx.l4()
    prefixes = tuple(
        f"{name}-" for name in dict.fromkeys((ctx.twin.digital_twin_name, ctx.twin.resource_name) if ctx.twin else ())
    )

    def component(node: JsonObject, parts: PathParts) -> HierarchyComponent | None:
        ctx.check_keys(node, parts, file, ("type", "name", "iotDeviceId", "componentTypeId", "properties", "constProperties"))
        name = ctx.name(file, parts + ("name",), node.get("name"), "a component name", naming.MAX_PROPERTY_NAME)
        if name is None:
            return None
        device_id, type_id = node.get("iotDeviceId"), node.get("componentTypeId")
        if type_id is not None and not isinstance(type_id, str):
            ctx.add(file, parts + ("componentTypeId",), f"a string <twin>-<device id> (got {short(type_id)})")
            return None
        type_id_links = False
        if device_id is None and type_id is not None:
            device_id = next((type_id[len(p):] for p in prefixes if type_id.startswith(p)), None)  # <twin>-<device>
            if device_id is None and ctx.device_ids and type_id in ctx.device_ids:
                device_id = type_id  # the newer generation prefixed <twin>- itself
            type_id_links = device_id is not None
        if device_id is None and ctx.device_ids and name in ctx.device_ids:
            device_id = name  # the predecessor's TwinMaker step matched components to devices by name
        if device_id is None:
            ctx.add(file, parts + ("iotDeviceId",), "the device this component shows: iotDeviceId, a componentTypeId "
                    "<twin>-<device id> or <device id>, or a component name that is a device id of config_iot_devices.json")
            return None
        if not known_device(device_id, ctx.device_ids):
            ctx.add(file, parts + ("iotDeviceId",), f"a device of config_iot_devices.json (no device {short(device_id)})")
            return None
        if type_id is not None and not type_id_links:
            ctx.warn(file, parts + ("componentTypeId",), TYPE_ID_NOT_USED)
        props, consts = _component_properties(ctx, file, node, parts, device_id)
        return HierarchyComponent(name, device_id, type_id, props, consts)

    def entity(node: Any, parts: PathParts) -> HierarchyEntity | None:
        if not isinstance(node, dict) or node.get("type") != "entity":
            ctx.add(file, parts + ("type",), '"entity" (components must sit under an entity)')
            return None
        count[0] += 1
        ctx.check_keys(node, parts, file, ("type", "id", "children"))
        entity_id = ctx.name(file, parts + ("id",), node.get("id"), "an entity id", naming.MAX_ENTITY_ID)
        if entity_id is None:
            return None
        if l4 is Provider.AWS and not naming.TWINMAKER_ENTITY_ID.fullmatch(entity_id):
            ctx.add(
                file,
                parts + ("id",),
                f"an IoT TwinMaker entity id: at least 2 characters, starting and ending with a letter or digit (got {entity_id!r})",
            )
        if l4 is Provider.AZURE and ctx.device_ids and entity_id in ctx.device_ids:
            ctx.add(file, parts + ("id",), f"an id other than a device's: {entity_id!r} would be one digital twin for both")
        if entity_id in seen:
            ctx.add(file, parts + ("id",), f"a unique entity id ({entity_id!r} is used twice)")
        seen.add(entity_id)
        children, components = [], []
        raw_children = node.get("children", [])
        if not isinstance(raw_children, list):
            ctx.add(file, parts + ("children",), "an array of entity or component nodes")
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
            ctx.add(file, parts + ("children",), f"at most {MAX_COMPONENTS_PER_ENTITY} components per entity (TwinMaker quota)")
        component_names = [c.name for c in components]
        repeated = len(set(component_names)) < len(component_names)
        for dup in sorted({n for n in component_names if component_names.count(n) > 1}) if repeated else ():
            ctx.add(file, parts + ("children",), f"unique component names ({dup!r} appears twice)")
        return HierarchyEntity(entity_id, tuple(children), tuple(components))

    result = tuple(e for i, node in enumerate(raw) if (e := entity(node, (i,))) is not None)
    if count[0] > MAX_ENTITIES:
        ctx.add(file, (), f"at most {MAX_ENTITIES:,} entities (got {count[0]:,})")
    elif ctx.l4() is Provider.AWS and count[0] > TWINMAKER_ENTITY_QUOTA:
        ctx.warn(file, (), f"{count[0]:,} entities exceed IoT TwinMaker's default quota of {TWINMAKER_ENTITY_QUOTA:,} "
                 "entities per workspace: raise 'Entities per workspace' in Service Quotas before deploying")
    elif ctx.l4() is Provider.AZURE and count[0] + len(ctx.devices) > ADT_TWIN_QUOTA:
        ctx.warn(file, (), f"{count[0] + len(ctx.devices):,} twins (entities and devices) exceed Azure Digital Twins' "
                 f"quota of {ADT_TWIN_QUOTA:,} twins per instance: ask Azure support to raise it before deploying")
    return result


def _component_properties(
    ctx: LoadContext, file: str, node: JsonObject, parts: PathParts, device_id: str
) -> tuple[tuple[DeviceProperty, ...], tuple[ConstProperty, ...]]:
    """A component's `properties` must be telemetry of its device with the same dataType; its
    `constProperties` are its own constants (a device constant of the same name gets this value)."""
    device = ctx.device(device_id)
    telemetry = {p.name: p.data_type for p in device.properties} if device else None
    constants = {c.name: c.data_type for c in device.const_properties} if device else {}
    props: list[DeviceProperty] = []
    entries = device_rules.property_entries(ctx, node, "properties", parts, file, "{name, dataType}", ("name", "dataType", "initValue"))
    for here, entry, name, data_type in entries:
        if name is None or data_type is None or telemetry is None:
            continue
        if name not in telemetry:
            # TwinMaker accepts a property nobody writes, and the predecessor deployed it: a warning.
            ctx.warn(file, here + ("name",), f"not shown: device {device_id!r} does not send {name!r} (it sends "
                     f"{', '.join(sorted(telemetry)) or 'nothing'}), and a component shows its device's telemetry")
        elif telemetry[name] != data_type:
            ctx.add(file, here + ("dataType",), f"{telemetry[name]}, the dataType of {name!r} on device {device_id!r}")
        else:
            if "initValue" in entry:
                ctx.warn(file, here + ("initValue",), "not used: initial values are the device's (config_iot_devices.json)")
            props.append(DeviceProperty(name, data_type))
    consts: list[ConstProperty] = []
    entries = device_rules.property_entries(
        ctx, node, "constProperties", parts, file, device_rules.CONST_SHAPE, device_rules.CONST_KEYS, needs="value"
    )
    for here, entry, name, data_type in entries:
        if name is None or data_type is None:
            continue
        if problem := device_rules.value_problem(entry["value"], data_type, constant=True):
            ctx.add(file, here + ("value",), problem)
        elif telemetry is not None and name in telemetry:
            ctx.add(file, here + ("name",), f"a name other than the telemetry property {name!r} of device {device_id!r}")
        elif name in constants and constants[name] != data_type:
            ctx.add(file, here + ("dataType",), f"{constants[name]}, the dataType of the constant {name!r} on device {device_id!r}")
        else:
            consts.append(ConstProperty(name, data_type, entry["value"]))
            if ctx.l4() is Provider.AZURE:  # the device's twin holds its components' constants too
                ctx.twin_names.append((device_id, name, file, here + ("name",)))
    names = [p.name for p in props] + [c.name for c in consts]
    for dup in sorted({n for n in names if names.count(n) > 1}) if len(set(names)) < len(names) else ():
        ctx.add(file, parts, f"unique property names ({dup!r} appears twice)")
    return tuple(props), tuple(consts)
