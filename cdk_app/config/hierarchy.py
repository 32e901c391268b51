"""config_hierarchy.json: the entity tree and its components, each naming a device."""

from __future__ import annotations

from typing import Any

from cdk_app.config import names as naming
from cdk_app.config.context import LoadContext, known_device, short
from cdk_app.config.model import HierarchyComponent, HierarchyEntity, Provider

MAX_COMPONENTS_PER_ENTITY = 10  # IoT TwinMaker default quota
MAX_ENTITIES = 10_000


def hierarchy(ctx: LoadContext, raw: Any) -> tuple[HierarchyEntity, ...]:
    file = "config_hierarchy.json"
    if raw is None:
        return ()
    if not isinstance(raw, list):
        ctx.add(file, (), "a JSON array of entity nodes")
        return ()
    seen: set[str] = set()
    count = [0]
    l4 = ctx.l4()
    prefixes = tuple(
        f"{name}-" for name in dict.fromkeys((ctx.twin.digital_twin_name, ctx.twin.resource_name) if ctx.twin else ())
    )

    def component(node: dict, parts: tuple) -> HierarchyComponent | None:
        ctx.check_keys(
            node,
            parts,
            file,
            ("type", "name", "iotDeviceId", "componentTypeId"),
            {key: "a component's properties come from its device in config_iot_devices.json"
             for key in ("properties", "constProperties")},
        )
        name = node.get("name")
        if not isinstance(name, str) or not naming.NAME.fullmatch(name) or len(name) > naming.MAX_PROPERTY_NAME:
            ctx.add(
                file,
                parts + ("name",),
                f"a component name of 1-{naming.MAX_PROPERTY_NAME} characters matching {naming.NAME.pattern} (got {short(name)})",
            )
            return None
        device_id, type_id = node.get("iotDeviceId"), node.get("componentTypeId")
        if type_id is not None and not isinstance(type_id, str):
            ctx.add(file, parts + ("componentTypeId",), f"a string <twin>-<device id> (got {short(type_id)})")
            return None
        if device_id is None and type_id is not None:
            device_id = next((type_id[len(p):] for p in prefixes if type_id.startswith(p)), None)  # <twin>-<device>
        if device_id is None:
            ctx.add(file, parts + ("iotDeviceId",), "the id of a device in config_iot_devices.json")
            return None
        if not known_device(device_id, ctx.device_ids):
            ctx.add(file, parts + ("iotDeviceId",), f"a device of config_iot_devices.json (no device {short(device_id)})")
            return None
        return HierarchyComponent(name, device_id, type_id)

    def entity(node: Any, parts: tuple) -> HierarchyEntity | None:
        if not isinstance(node, dict) or node.get("type") != "entity":
            ctx.add(file, parts + ("type",), '"entity" (components must sit under an entity)')
            return None
        count[0] += 1
        ctx.check_keys(node, parts, file, ("type", "id", "children"))
        entity_id = node.get("id")
        if not isinstance(entity_id, str) or not naming.NAME.fullmatch(entity_id) or len(entity_id) > naming.MAX_ENTITY_ID:
            ctx.add(
                file,
                parts + ("id",),
                f"an entity id of 1-{naming.MAX_ENTITY_ID} characters matching {naming.NAME.pattern} (got {short(entity_id)})",
            )
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
        for dup in sorted({n for n in component_names if component_names.count(n) > 1}):
            ctx.add(file, parts + ("children",), f"unique component names ({dup!r} appears twice)")
        return HierarchyEntity(entity_id, tuple(children), tuple(components))

    result = tuple(e for i, node in enumerate(raw) if (e := entity(node, (i,))) is not None)
    if count[0] > MAX_ENTITIES:
        ctx.add(file, (), f"at most {MAX_ENTITIES:,} entities (got {count[0]:,})")
    return result
