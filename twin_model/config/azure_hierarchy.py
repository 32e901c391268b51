"""twin_hierarchy/azure_hierarchy.json: the predecessor's DTDL bundle, checked against DTDL v3.

`{header?, models: [Interface…], twins: [{$dtId, $metadata: {$model}, …}], relationships:
[{$dtId | $sourceId, $targetId, $relationshipName, $relationshipId?}]}`. Models, twins and
relationships are deployed as given (the ADT post-deploy step uploads them), so everything the
Azure Digital Twins upload would refuse is refused here, with the rule: DTDL names (a Property
named `serial-number` is not one), names distinct within an Interface and what it extends (a
Telemetry and a Property of the same name are two), DTMIs, known element and schema types,
twins of models in the file with only declared properties, relationships the source's model
declares. A twin whose `$dtId` is a device id is that device's twin: the device's live values
patch the Properties its model declares (the others stay in hot storage, with a warning).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from twin_model.config.context import LoadContext, short
from twin_model.config.documents import JsonObject, PathParts
from twin_model.config.model import DeviceTwinBinding, DtdlBundle, HierarchyComponent, HierarchyEntity
from twin_contract.dtdl import DTDL_NAME, DTMI, MAX_DTDL_NAME, MAX_DTMI

CONTEXTS = {"dtmi:dtdl:context;2": 2, "dtmi:dtdl:context;3": 3}
CONTENT_TYPES = ("Property", "Telemetry", "Command", "Relationship", "Component")
PRIMITIVE_SCHEMAS = {
    2: {"boolean", "date", "dateTime", "double", "duration", "float", "integer", "long", "string", "time"},
    3: {"boolean", "date", "dateTime", "double", "duration", "float", "integer", "long", "string", "time",
        "byte", "bytes", "decimal", "short", "unsignedByte", "unsignedInteger", "unsignedLong", "unsignedShort", "uuid"},
}
COMPLEX_SCHEMAS = ("Object", "Array", "Enum", "Map")
MAX_NAME = {2: 64, 3: MAX_DTDL_NAME}
MAX_TWIN_ID = 128  # Azure Digital Twins: 1-128 characters
INTERFACE_KEYS = ("@id", "@type", "@context", "displayName", "description", "comment", "contents", "extends", "schemas")
# Device dataType → DTDL schemas that hold its values.
COMPATIBLE = {
    "DOUBLE": {"double", "float", "decimal"},
    "INTEGER": {"integer", "long", "double", "float", "decimal"},
    "LONG": {"long", "double", "decimal"},
    "BOOLEAN": {"boolean"},
    "STRING": {"string"},
}
_JSON_OF_SCHEMA = {
    "boolean": (bool,), "double": (int, float), "float": (int, float), "decimal": (int, float),
    "integer": (int,), "long": (int,), "short": (int,), "byte": (int,), "string": (str,),
}


class _Model:
    def __init__(self, raw: JsonObject, index: int, version: int) -> None:
        self.raw, self.index, self.version = raw, index, version
        self.id: str = raw["@id"]
        extends = raw.get("extends", [])
        self.extends: list[str] = [extends] if isinstance(extends, str) else [e for e in extends if isinstance(e, str)]
        self.contents: list[JsonObject] = [c for c in raw.get("contents", []) if isinstance(c, dict)]


def _types(node: JsonObject) -> list[str]:
    kind = node.get("@type")
    return [kind] if isinstance(kind, str) else [k for k in kind if isinstance(k, str)] if isinstance(kind, list) else []


def bundle(ctx: LoadContext, file: str, raw: Any, deployed: bool = True) -> DtdlBundle | None:
    """The checked bundle; `deployed`: uploaded to Azure Digital Twins (False: only read as a tree)."""
    if not isinstance(raw, dict):
        ctx.add(file, (), "a DTDL bundle {models, twins, relationships}")
        return None
    before = len(ctx.problems)
    ctx.check_keys(raw, (), file, ("models", "twins", "relationships"), {"header": "metadata of the file"})
    models = _models(ctx, file, raw.get("models"))
    twins = _twins(ctx, file, raw.get("twins", []), models)
    relationships = _relationships(ctx, file, raw.get("relationships", []), models, twins)
    bindings = _bindings(ctx, file, models, twins) if deployed else ()
    if len(ctx.problems) > before:
        return None
    return DtdlBundle(
        models=tuple(m.raw for m in models.values()),
        twins=tuple(twins.values()),
        relationships=tuple(relationships),
        bindings=bindings,
    )


def _models(ctx: LoadContext, file: str, raw: Any) -> dict[str, _Model]:
    if not isinstance(raw, list) or not raw:
        ctx.add(file, ("models",), "a non-empty array of DTDL Interfaces")
        return {}
    models: dict[str, _Model] = {}
    for i, node in enumerate(raw):
        here = ("models", i)
        if not isinstance(node, dict):
            ctx.add(file, here, "a DTDL Interface object {@id, @type, @context, contents}")
            continue
        ctx.check_keys(node, here, file, INTERFACE_KEYS)
        model_id, context = node.get("@id"), node.get("@context")
        first_context = context[0] if isinstance(context, list) and context else context
        version = CONTEXTS.get(first_context) if isinstance(first_context, str) else None
        if version is None:
            ctx.add(file, here + ("@context",), f"a DTDL context: {' or '.join(CONTEXTS)} (got {short(context)})")
            continue
        if not isinstance(model_id, str) or len(model_id) > MAX_DTMI or not DTMI.fullmatch(model_id):
            ctx.add(file, here + ("@id",), f"a DTMI such as dtmi:example:Room;1 matching {DTMI.pattern} (got {short(model_id)})")
            continue
        if model_id in models:
            ctx.add(file, here + ("@id",), f"a model id used once ({model_id!r} is the @id of models[{models[model_id].index}])")
            continue
        if "Interface" not in _types(node):
            ctx.add(file, here + ("@type",), '"Interface" (a model is a DTDL Interface)')
            continue
        extends = node.get("extends", [])
        if not (isinstance(extends, str) or (isinstance(extends, list) and all(isinstance(e, str) for e in extends))):
            ctx.add(file, here + ("extends",), "a DTMI or an array of DTMIs of models in this file")
            continue
        contents = node.get("contents", [])
        if not isinstance(contents, list):
            ctx.add(file, here + ("contents",), "an array of Property, Telemetry, Command, Relationship and Component elements")
            continue
        models[model_id] = _Model(node, i, version)
    for model in models.values():
        here = ("models", model.index)
        for j, target in enumerate(model.extends):
            if target not in models:
                ctx.add(file, here + ("extends",) + ((j,) if isinstance(model.raw.get("extends"), list) else ()),
                        f"a model of this file (the upload needs every model it extends; no {short(target)})")
        for j, element in enumerate(model.raw.get("contents", [])):
            _element(ctx, file, here + ("contents", j), element, model, models)
    _check_names(ctx, file, models)
    return models


def _element(ctx: LoadContext, file: str, parts: PathParts, element: Any, model: _Model, models: dict[str, _Model]) -> None:
    if not isinstance(element, dict):
        ctx.add(file, parts, "a DTDL element object {@type, name, ...}")
        return
    kinds = [k for k in _types(element) if k in CONTENT_TYPES]
    if len(kinds) != 1:
        ctx.add(file, parts + ("@type",), f"one of {', '.join(CONTENT_TYPES)} (got {short(element.get('@type'))})")
        return
    kind, name = kinds[0], element.get("name")
    limit = MAX_NAME[model.version]
    if not isinstance(name, str) or len(name) > limit or not DTDL_NAME.fullmatch(name):
        ctx.add(file, parts + ("name",), f"a DTDL name of at most {limit} characters matching {DTDL_NAME.pattern} "
                f"(got {short(name)}): letters, digits and _, starting with a letter, not ending with _")
    if kind in ("Property", "Telemetry"):
        _schema(ctx, file, parts + ("schema",), element.get("schema"), model.version, models)
        if "writable" in element and not isinstance(element["writable"], bool):
            ctx.add(file, parts + ("writable",), "true or false")
    elif kind == "Relationship":
        target = element.get("target")
        if target is not None and (not isinstance(target, str) or target not in models):
            ctx.add(file, parts + ("target",), f"the @id of a model in this file (got {short(target)})")
    elif kind == "Component":
        schema = element.get("schema")
        if not isinstance(schema, str) or schema not in models:
            ctx.add(file, parts + ("schema",), f"the @id of a model in this file (got {short(schema)})")


def _schema(ctx: LoadContext, file: str, parts: PathParts, schema: Any, version: int, models: dict[str, _Model]) -> None:
    if isinstance(schema, str):
        if schema not in PRIMITIVE_SCHEMAS[version] and not DTMI.fullmatch(schema):
            ctx.add(file, parts, f"a DTDL v{version} schema: one of {', '.join(sorted(PRIMITIVE_SCHEMAS[version]))}, "
                    f"or an Object, Array, Enum or Map (got {short(schema)})")
    elif isinstance(schema, dict):
        if not any(kind in COMPLEX_SCHEMAS for kind in _types(schema)):
            ctx.add(file, parts + ("@type",), f"one of {', '.join(COMPLEX_SCHEMAS)} (got {short(schema.get('@type'))})")
    else:
        ctx.add(file, parts, f"a schema (got {short(schema)})")


def _inherited(model: _Model, models: dict[str, _Model], seen: frozenset[str] = frozenset()) -> Iterator[tuple[_Model, JsonObject]]:
    """(declaring model, element) for the model's contents and those of everything it extends."""
    if model.id in seen:
        return
    for element in model.contents:
        yield model, element
    for parent in model.extends:
        if parent in models:
            yield from _inherited(models[parent], models, seen | {model.id})


def _check_names(ctx: LoadContext, file: str, models: dict[str, _Model]) -> None:
    for model in models.values():
        seen: dict[str, str] = {}
        for owner, element in _inherited(model, models):
            name = element.get("name")
            if not isinstance(name, str):
                continue
            kind = next((k for k in _types(element) if k in CONTENT_TYPES), "element")
            where = kind if owner is model else f"{kind} of {owner.id}"
            if name in seen:
                ctx.add(file, ("models", model.index, "contents"),
                        f"element names distinct within an Interface and what it extends (DTDL v3): {name!r} is "
                        f"declared as {seen[name]} and as {where}")
            else:
                seen[name] = where


def declared(model: _Model, models: dict[str, _Model], kind: str) -> dict[str, JsonObject]:
    """name → element of the given kind, inherited ones included."""
    return {e["name"]: e for _, e in _inherited(model, models) if kind in _types(e) and isinstance(e.get("name"), str)}


def _twins(ctx: LoadContext, file: str, raw: Any, models: dict[str, _Model]) -> dict[str, JsonObject]:
    if not isinstance(raw, list):
        ctx.add(file, ("twins",), "an array of twins {$dtId, $metadata: {$model}}")
        return {}
    twins: dict[str, JsonObject] = {}
    for i, twin in enumerate(raw):
        here = ("twins", i)
        if not isinstance(twin, dict):
            ctx.add(file, here, "a twin object {$dtId, $metadata: {$model}}")
            continue
        twin_id, metadata = twin.get("$dtId"), twin.get("$metadata")
        if not isinstance(twin_id, str) or not 1 <= len(twin_id) <= MAX_TWIN_ID or not twin_id.strip():
            ctx.add(file, here + ("$dtId",), f"a twin id of 1-{MAX_TWIN_ID} characters (got {short(twin_id)})")
            continue
        if twin_id in twins:
            ctx.add(file, here + ("$dtId",), f"a twin id used once ({twin_id!r} is used twice)")
            continue
        model_id = metadata.get("$model") if isinstance(metadata, dict) else None
        if not isinstance(model_id, str) or model_id not in models:
            ctx.add(file, here + ("$metadata", "$model"), f"the @id of a model in this file (got {short(model_id)})")
            continue
        properties = declared(models[model_id], models, "Property")
        components = declared(models[model_id], models, "Component")
        for key, value in twin.items():
            if key in ("$dtId", "$metadata", "$etag"):
                continue
            if key.startswith("$"):
                ctx.add(file, here + (key,), "a property of the twin's model ($ keys are the service's)")
            elif key in properties:
                expected = properties[key].get("schema")
                allowed = _JSON_OF_SCHEMA.get(expected) if isinstance(expected, str) else None
                if allowed and (isinstance(value, bool) and bool not in allowed or not isinstance(value, allowed)):
                    ctx.add(file, here + (key,), f"a {expected} value, as Property {key!r} of {model_id} declares (got {short(value)})")
            elif key not in components:
                ctx.add(file, here + (key,), f"a Property or Component its model {model_id} declares (the upload "
                        f"refuses others; it declares {', '.join(sorted(properties)) or 'no Property'})")
        twins[twin_id] = twin
    return twins


def _relationships(ctx: LoadContext, file: str, raw: Any, models: dict[str, _Model], twins: dict[str, JsonObject]) -> list[JsonObject]:
    if not isinstance(raw, list):
        ctx.add(file, ("relationships",), "an array of relationships {$dtId, $targetId, $relationshipName}")
        return []
    devices = ctx.device_ids or set()
    found: list[JsonObject] = []
    ids: set[tuple[str, str]] = set()
    for i, rel in enumerate(raw):
        here = ("relationships", i)
        if not isinstance(rel, dict):
            ctx.add(file, here, "a relationship object {$dtId, $targetId, $relationshipName}")
            continue
        source = rel.get("$sourceId", rel.get("$dtId"))
        target, name = rel.get("$targetId"), rel.get("$relationshipName")
        if not isinstance(source, str) or source not in twins:
            ctx.add(file, here + ("$dtId",), f"the $dtId of a twin in this file (got {short(source)})")
            continue
        if not isinstance(target, str) or (target not in twins and target not in devices):
            ctx.add(file, here + ("$targetId",), f"the $dtId of a twin in this file or a device id (got {short(target)})")
            continue
        source_model = models[twins[source]["$metadata"]["$model"]]
        relationship = declared(source_model, models, "Relationship").get(name) if isinstance(name, str) else None
        if relationship is None:
            ctx.add(file, here + ("$relationshipName",), f"a Relationship that {source_model.id} (the model of "
                    f"{source!r}) declares (got {short(name)})")
            continue
        wanted = relationship.get("target")
        if isinstance(wanted, str) and target in twins:
            target_model = models[twins[target]["$metadata"]["$model"]]
            if wanted not in _lineage(target_model, models):
                ctx.add(file, here + ("$targetId",), f"a twin of model {wanted} (relationship {name!r} targets it; "
                        f"{target!r} is a {target_model.id})")
                continue
        rel_id = rel.get("$relationshipId", f"{source}-{name}-{target}"[:128])
        if not isinstance(rel_id, str) or not rel_id or (source, rel_id) in ids:
            ctx.add(file, here + ("$relationshipId",), f"a relationship id unique per source twin (got {short(rel_id)})")
            continue
        ids.add((source, rel_id))
        for key in rel:
            if key.startswith("$") and key not in ("$dtId", "$sourceId", "$targetId", "$relationshipName", "$relationshipId", "$etag"):
                ctx.add(file, here + (key,), "a relationship key ($dtId, $targetId, $relationshipName, $relationshipId)")
        normalized = {k: v for k, v in rel.items() if k not in ("$dtId", "$sourceId")}
        found.append({"$sourceId": source, **normalized, "$relationshipId": rel_id})
    return found


def _lineage(model: _Model, models: dict[str, _Model]) -> set[str]:
    result, pending = set(), [model.id]
    while pending:
        current = pending.pop()
        if current in result or current not in models:
            continue
        result.add(current)
        pending.extend(models[current].extends)
    return result


def _bindings(ctx: LoadContext, file: str, models: dict[str, _Model], twins: dict[str, JsonObject]) -> tuple[DeviceTwinBinding, ...]:
    bindings = []
    for device in ctx.devices:
        twin = twins.get(device.id)
        if twin is None:
            continue
        model_id = twin["$metadata"]["$model"]
        properties = declared(models[model_id], models, "Property")
        patched = []
        for prop in device.properties:
            element = properties.get(prop.name)
            schema = element.get("schema") if element else None
            if element is None:
                ctx.warn(file, ("twins",), f"device {device.id!r}: {prop.name!r} is not shown on its twin (model "
                         f"{model_id} declares no Property {prop.name!r}); its values stay in hot storage")
            elif schema not in COMPATIBLE[prop.data_type]:
                ctx.add(file, ("models", models[model_id].index, "contents"),
                        f"Property {prop.name!r} with a schema that holds {prop.data_type} values of device {device.id!r} "
                        f"({' or '.join(sorted(COMPATIBLE[prop.data_type]))}; got {short(schema)})")
            else:
                patched.append(prop.name)
        if device.const_properties:
            ctx.warn(file, ("twins",), f"device {device.id!r}: its constProperties are not written to its twin "
                     "(this file gives the twin as it is)")
        last = properties.get("lastUpdate")
        bindings.append(DeviceTwinBinding(device.id, model_id, tuple(patched),
                                          last is not None and last.get("schema") in ("dateTime", "string")))
    return tuple(bindings)


def tree_of(ctx: LoadContext, file: str, dtdl: DtdlBundle) -> tuple[HierarchyEntity, ...]:
    """The entity tree the twins and relationships describe: twins named after a device become that
    device's component under their parent twin; the first relationship into a twin makes its parent."""
    devices = ctx.device_ids or set()
    parent: dict[str, str] = {}
    for rel in dtdl.relationships:
        parent.setdefault(rel["$targetId"], rel["$sourceId"])
    entities = [t["$dtId"] for t in dtdl.twins if t["$dtId"] not in devices]
    children: dict[str | None, list[str]] = {}
    for entity in entities:
        children.setdefault(parent.get(entity) if parent.get(entity) in entities else None, []).append(entity)
    components: dict[str, list[str]] = {}
    for device in sorted(devices):
        owner = parent.get(device)
        if owner is not None and owner in entities:
            components.setdefault(owner, []).append(device)

    def build(entity_id: str, path: frozenset[str]) -> HierarchyEntity:
        return HierarchyEntity(
            entity_id,
            tuple(build(child, path | {child}) for child in children.get(entity_id, ()) if child not in path),
            tuple(HierarchyComponent(device, device) for device in components.get(entity_id, ())),
        )

    roots = children.get(None, [])
    if entities and not roots:
        ctx.add(file, ("relationships",), "a twin without a parent (the tree's root): these relationships form a cycle")
    return tuple(build(root, frozenset({root})) for root in roots)
