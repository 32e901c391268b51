"""twin_hierarchy/azure_hierarchy.json: the predecessor's DTDL bundle, checked as Azure Digital Twins checks it.

`{header?, models: [Interface…], twins: [{$dtId, $metadata: {$model}, …}], relationships:
[{$dtId | $sourceId, $targetId, $relationshipName, $relationshipId?, <its properties>…}]}`. Models,
twins and relationships are deployed as given (the ADT post-deploy step uploads them), so what the
upload would refuse is refused here. Whose each check is (docs/design.md §3a):
- the models: the official DTDL parser alone (twin_model.config.dtdl_parser); no rule of ours;
- Azure Digital Twins beyond the language: DTDL v2 or v3 (the parser also reads v4), at most 1 MB
  per model and 10,000 models per instance; twins of a model of this file, with ids of 1-128
  characters used once, only the Properties and Components their model declares (inherited ones
  included), values their schemas accept (twin_model.config.dtdl_values), every Component initialised
  with `$metadata`, at most 32 KB per twin; relationships between twins of the file (or a device's
  generated twin), declared by the source's model, to a twin of the target model it names, with
  only the properties it declares, ids unique per source twin;
- ours: a twin whose `$dtId` is a device id is that device's twin: the device's live values patch
  the Properties its model declares (the others stay in hot storage, with a warning).
"""

from __future__ import annotations

import json
from typing import Any

from twin_model.config import dtdl_parser
from twin_model.config.context import LoadContext, short
from twin_model.config.documents import JsonObject, PathParts
from twin_model.config.dtdl_object_model import ObjectModel
from twin_model.config.dtdl_values import value_problems
from twin_model.config.model import DeviceTwinBinding, DtdlBundle, HierarchyComponent, HierarchyEntity

# Azure Digital Twins service limits (reference-service-limits) and what its model upload accepts.
ADT_DTDL_VERSIONS = (2, 3)
MAX_MODEL_BYTES = 1024 * 1024  # a single model
MAX_MODELS = 10_000  # models in an instance (the default limit)
MAX_TWIN_BYTES = 32 * 1024  # JSON body of a twin or relationship create request
MAX_TWIN_ID = 128
TWIN_KEYS = ("$dtId", "$metadata", "$etag")
RELATIONSHIP_KEYS = ("$dtId", "$sourceId", "$targetId", "$relationshipName", "$relationshipId", "$etag")
# Device dataType → the schema kinds (object model) that hold its values.
COMPATIBLE = {
    "DOUBLE": {"Double", "Float"},
    "INTEGER": {"Integer", "Long", "Double", "Float"},
    "LONG": {"Long", "Double"},
    "BOOLEAN": {"Boolean"},
    "STRING": {"String"},
}


def bundle(ctx: LoadContext, file: str, raw: Any, deployed: bool = True) -> DtdlBundle | None:
    """The checked bundle; `deployed`: uploaded to Azure Digital Twins (False: only read as a tree)."""
    if not isinstance(raw, dict):
        ctx.add(file, (), "a DTDL bundle {models, twins, relationships}")
        return None
    before = len(ctx.problems)
    ctx.check_keys(raw, (), file, ("models", "twins", "relationships"), {"header": "metadata of the file"})
    models, model = _models(ctx, file, raw.get("models"))
    model_ids = {m["@id"] for m in models if isinstance(m, dict) and isinstance(m.get("@id"), str)}
    twins = _twins(ctx, file, raw.get("twins", []), model_ids, model)
    relationships = _relationships(ctx, file, raw.get("relationships", []), twins, model)
    bindings = _bindings(ctx, file, models, twins, model) if deployed and model is not None else ()
    if len(ctx.problems) > before:
        return None
    return DtdlBundle(
        models=tuple(models),
        twins=tuple(twins.values()),
        relationships=tuple(relationships),
        bindings=bindings,
    )


def _models(ctx: LoadContext, file: str, raw: Any) -> tuple[list[Any], ObjectModel | None]:
    if not isinstance(raw, list) or not raw:
        ctx.add(file, ("models",), "a non-empty array of DTDL Interfaces")
        return [], None
    if len(raw) > MAX_MODELS:
        ctx.add(file, ("models",), f"at most {MAX_MODELS:,} models (Azure Digital Twins' default limit per instance; "
                f"got {len(raw):,})")
    for i, node in enumerate(raw):
        size = len(json.dumps(node, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        if size > MAX_MODEL_BYTES:
            ctx.add(file, ("models", i), f"a model of at most 1 MB (Azure Digital Twins' limit per model; it has {size:,} bytes)")
    model = dtdl_parser.check(ctx, file, raw)
    if model is None:
        return raw, None
    for i, node in enumerate(raw):
        version = model.major_version(node.get("@id")) if isinstance(node, dict) else None
        if version is not None and version not in ADT_DTDL_VERSIONS:
            ctx.add(file, ("models", i, "@context"), f"DTDL v2 or v3 (dtmi:dtdl:context;2 or ;3): Azure Digital Twins "
                    f"refuses other versions (ModelVersionNotSupported; got v{version})")
    return raw, model


def _twins(ctx: LoadContext, file: str, raw: Any, model_ids: set[str], model: ObjectModel | None) -> dict[str, JsonObject]:
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
        if not isinstance(model_id, str) or model_id not in model_ids:
            ctx.add(file, here + ("$metadata", "$model"), f"the @id of a model in this file (got {short(model_id)})")
            continue
        _within_request_limit(ctx, file, here, twin, "twin")
        interface = model.interface(model_id) if model is not None else None
        if model is not None and interface is not None:
            for key in twin:
                if key.startswith("$") and key not in TWIN_KEYS:
                    ctx.add(file, here + (key,), "a property of the twin's model ($ keys are the service's)")
            _instance(ctx, file, here, twin, interface, model, model_id, TWIN_KEYS)
        twins[twin_id] = twin
    return twins


def _instance(ctx: LoadContext, file: str, here: PathParts, body: JsonObject, interface: JsonObject, model: ObjectModel,
              model_id: str, skip: tuple[str, ...]) -> None:
    """A twin (or one of its components) against its Interface: declared Properties with valid values,
    each Component initialised."""
    properties = model.contents(interface, "properties")
    components = model.contents(interface, "components")
    for key, value in body.items():
        if key in skip or key.startswith("$"):
            continue
        if key in properties:
            for parts, expected in value_problems(model, properties[key].get("schema"), value, here + (key,)):
                ctx.add(file, parts, f"{expected}, as Property {key!r} of {model_id} declares")
        elif key in components:
            _component(ctx, file, here + (key,), value, components[key], model)
        else:
            ctx.add(file, here + (key,), _undeclared(model, interface, model_id, key))
    for name in sorted(set(components) - set(body)):
        ctx.add(file, here, f'component {name!r} of {model_id} initialised: "{name}": {{"$metadata": {{}}}} (Azure Digital '
                "Twins requires every component of a twin in its create request)")


def _component(ctx: LoadContext, file: str, here: PathParts, value: Any, component: JsonObject, model: ObjectModel) -> None:
    schema = component.get("schema")
    interface = model.interface(schema)
    if not isinstance(value, dict) or not isinstance(value.get("$metadata"), dict):
        ctx.add(file, here, f'the component as an object with "$metadata": {{}} and properties of {short(schema)} '
                f"(got {short(value)})")
        return
    if interface is not None and isinstance(schema, str):
        _instance(ctx, file, here, value, interface, model, schema, ("$metadata",))


def _undeclared(model: ObjectModel, interface: JsonObject, model_id: str, key: str) -> str:
    for kind, what in (("telemetries", "a Telemetry: telemetry is not stored on a twin"),
                       ("relationships", "a Relationship: relationships are listed under `relationships`"),
                       ("commands", "a Command")):
        if key in model.names(interface, kind):
            return f"a Property or Component its model {model_id} declares ({key!r} is {what})"
    declared = sorted(model.names(interface, "properties") | model.names(interface, "components"))
    listing = ", ".join(declared[:20]) + (", ..." if len(declared) > 20 else "")
    return f"a Property or Component its model {model_id} declares (the upload refuses others; it declares {listing or 'none'})"


def _within_request_limit(ctx: LoadContext, file: str, here: PathParts, body: JsonObject, what: str) -> None:
    size = len(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    if size > MAX_TWIN_BYTES:
        ctx.add(file, here, f"a {what} of at most 32 KB (Azure Digital Twins' request limit; it has {size:,} bytes)")


def _relationships(ctx: LoadContext, file: str, raw: Any, twins: dict[str, JsonObject], model: ObjectModel | None) -> list[JsonObject]:
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
        rel_id = rel.get("$relationshipId", f"{source}-{name}-{target}"[:128])
        if not isinstance(rel_id, str) or not rel_id or (source, rel_id) in ids:
            ctx.add(file, here + ("$relationshipId",), f"a relationship id unique per source twin (got {short(rel_id)})")
            continue
        ids.add((source, rel_id))
        _within_request_limit(ctx, file, here, rel, "relationship")
        if model is not None and not _declared_relationship(ctx, file, here, rel, twins, model):
            continue
        normalized = {k: v for k, v in rel.items() if k not in ("$dtId", "$sourceId")}
        found.append({"$sourceId": source, **normalized, "$relationshipId": rel_id})
    return found


def _declared_relationship(ctx: LoadContext, file: str, here: PathParts, rel: JsonObject, twins: dict[str, JsonObject],
                           model: ObjectModel) -> bool:
    """The relationship as the source twin's model declares it: its name, target model and properties."""
    source = rel.get("$sourceId", rel.get("$dtId"))
    source_model = twins[source]["$metadata"]["$model"] if isinstance(source, str) else None
    interface = model.interface(source_model)
    name, target = rel.get("$relationshipName"), rel["$targetId"]
    relationship = model.contents(interface, "relationships").get(name) if interface and isinstance(name, str) else None
    if relationship is None:
        ctx.add(file, here + ("$relationshipName",), f"a Relationship that {source_model} (the model of "
                f"{source!r}) declares (got {short(name)})")
        return False
    wanted = relationship.get("target")
    if isinstance(wanted, str) and target in twins:
        target_model = twins[target]["$metadata"]["$model"]
        if wanted not in model.lineage(target_model):
            ctx.add(file, here + ("$targetId",), f"a twin of model {wanted} (relationship {name!r} targets it; "
                    f"{target!r} is a {target_model})")
            return False
    properties = {p["name"]: p for p in (model.entity(i) for i in relationship.get("properties") or ()) if p and "name" in p}
    for key, value in rel.items():
        if key.startswith("$"):
            if key not in RELATIONSHIP_KEYS:
                ctx.add(file, here + (key,), "a relationship key ($dtId, $targetId, $relationshipName, $relationshipId)")
        elif key not in properties:
            ctx.add(file, here + (key,), f"a property relationship {name!r} of {source_model} declares "
                    f"({', '.join(sorted(properties)) or 'it declares none'}); the upload refuses others")
        else:
            for parts, expected in value_problems(model, properties[key].get("schema"), value, here + (key,)):
                ctx.add(file, parts, f"{expected}, as property {key!r} of relationship {name!r} declares")
    return True


def _schema_kind(model: ObjectModel, schema: Any) -> str | None:
    entity = model.entity(schema)
    kind = entity.get("EntityKind") if entity is not None else None
    return kind if isinstance(kind, str) else None


def _bindings(
    ctx: LoadContext, file: str, models: list[Any], twins: dict[str, JsonObject], model: ObjectModel
) -> tuple[DeviceTwinBinding, ...]:
    index = {m.get("@id"): i for i, m in enumerate(models) if isinstance(m, dict)}
    bindings = []
    for device in ctx.devices:
        twin = twins.get(device.id)
        if twin is None:
            continue
        model_id = twin["$metadata"]["$model"]
        interface = model.interface(model_id)
        properties = model.contents(interface, "properties") if interface is not None else {}
        patched = []
        for prop in device.properties:
            element = properties.get(prop.name)
            kind = _schema_kind(model, element.get("schema")) if element else None
            if element is None:
                ctx.warn(file, ("twins",), f"device {device.id!r}: {prop.name!r} is not shown on its twin (model "
                         f"{model_id} declares no Property {prop.name!r}); its values stay in hot storage")
            elif kind not in COMPATIBLE[prop.data_type]:
                ctx.add(file, ("models", index.get(model_id, 0), "contents"),
                        f"Property {prop.name!r} with a schema that holds {prop.data_type} values of device {device.id!r} "
                        f"({' or '.join(sorted(k[:1].lower() + k[1:] for k in COMPATIBLE[prop.data_type]))}; "
                        f"got {short(kind[:1].lower() + kind[1:] if kind else element.get('schema'))})")
            else:
                patched.append(prop.name)
        if device.const_properties:
            ctx.warn(file, ("twins",), f"device {device.id!r}: its constProperties are not written to its twin "
                     "(this file gives the twin as it is)")
        last = properties.get("lastUpdate")
        bindings.append(DeviceTwinBinding(device.id, model_id, tuple(patched),
                                          last is not None and _schema_kind(model, last.get("schema")) in ("DateTime", "String")))
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
