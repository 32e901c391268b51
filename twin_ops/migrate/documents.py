"""The JSON files whose content changes on the way, each from its file as written to this project's form.

Transforms start from the user's document and change only what this project's format has
differently, so the rest (key order, `autoDeploy: true`, empty lists) stays as written. Each
change is noted with its JSON path in the old file and why, the loader's own warning where it
gave one. Only a hierarchy read from DTDL for an AWS twin is written anew, from the validated tree.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from twin_model.config.documents import json_path
from twin_model.config.model import HierarchyComponent, HierarchyEntity, ProjectConfig

# Keys of the predecessor's formats this project never reads (the loader warns and ignores them).
UNUSED_CONFIG_KEYS = ("observability",)
UNUSED_ACTION_KEYS = ("pathToCode", "functionUrl")
UNUSED_RESULT_KEYS = ("calculationResult",)
UNUSED_DTDL_KEYS = ("header",)


@dataclass
class Notes:
    """Changes to one file: (JSON path in the file as written, what changed and why)."""

    file: str  # the old file, as the loader's warnings name it
    warnings: dict[tuple[str, str], str]  # (file, JSON path) → the loader's warning
    changes: list[tuple[str, str]] = field(default_factory=list)

    def warned(self, parts: tuple) -> str | None:
        return self.warnings.get((self.file, json_path(parts)))

    def add(self, parts: tuple, what: str, why: str = "") -> None:
        reason = self.warned(parts) or why
        self.changes.append((json_path(parts), f"{what} ({reason})" if reason else what))


def _remove(doc: dict, keys: tuple[str, ...], parts: tuple, notes: Notes) -> None:
    """Drop the keys the loader does not read from `doc` (at `parts`), each a line of the report."""
    for key in keys:
        if key in doc:
            del doc[key]
            notes.add((*parts, key), "removed")


def config_json(raw: dict, config: ProjectConfig, notes: Notes) -> dict:
    doc = dict(raw)
    _remove(doc, UNUSED_CONFIG_KEYS, (), notes)
    if "mode" not in doc:
        doc["mode"] = config.twin.mode
        notes.add(("mode",), f"added {config.twin.mode!r}", "the mode a project without one gets")
    return doc


def events(raw: list, config: ProjectConfig, notes: Notes) -> list:
    doc = copy.deepcopy(raw)
    for index, rule in enumerate(doc):
        action = rule["action"]
        _remove(action, UNUSED_ACTION_KEYS, (index, "action"), notes)
        if notes.warned((index, "action", "functionNameB")):
            _remove(action, ("functionNameB",), (index, "action"), notes)
    return doc


def optimization(raw: dict, config: ProjectConfig, notes: Notes) -> dict:
    if raw and "result" not in raw:  # the flat form: the loader read the flags at the top level
        notes.add((), "the flags moved into result.inputParamsUsed")
        return {"result": {"inputParamsUsed": dict(raw)}}
    doc = copy.deepcopy(raw)
    _remove(doc.get("result", {}), UNUSED_RESULT_KEYS, ("result",), notes)
    return doc


def dtdl(raw: dict, config: ProjectConfig, notes: Notes) -> dict:
    doc = dict(raw)
    _remove(doc, UNUSED_DTDL_KEYS, (), notes)
    return doc


def tree(raw: list, config: ProjectConfig, notes: Notes) -> list:
    """A tree file (config_hierarchy.json, twin_hierarchy/aws_hierarchy.json): every component names
    its device by `iotDeviceId`; `componentTypeId` and component `initValue`s go."""
    components = {entity.id: {c.name: c for c in entity.components} for entity in walk(config.hierarchy)}

    def entity(node: dict, parts: tuple) -> dict:
        new = dict(node)
        if isinstance(node.get("children"), list):
            new["children"] = [
                component(child, parts + ("children", k), components[node["id"]][child["name"]])
                if child.get("type") == "component" else entity(child, parts + ("children", k))
                for k, child in enumerate(node["children"])
            ]
        return new

    def component(node: dict, parts: tuple, read: HierarchyComponent) -> dict:
        # The loader warns about a componentTypeId exactly when it does not name the device.
        by_type_id = "componentTypeId" in node and not notes.warned(parts + ("componentTypeId",))
        by_name = "iotDeviceId" not in node and not by_type_id
        new: dict[str, Any] = {}
        for key, value in node.items():
            if key == "componentTypeId":
                if by_type_id:
                    new["iotDeviceId"] = read.iot_device_id
                    notes.add(parts + (key,), f"replaced by iotDeviceId {read.iot_device_id!r}",
                              "the device it named; components name their device by iotDeviceId")
                else:
                    notes.add(parts + (key,), "removed")
                continue
            if key == "properties" and isinstance(value, list):
                value = [_without_init_value(p, parts + (key, j), notes) for j, p in enumerate(value)]
            new[key] = value
            if key == "name" and by_name:
                new["iotDeviceId"] = read.iot_device_id
                notes.add(parts + ("iotDeviceId",), f"added {read.iot_device_id!r}",
                          "the device the component's name names; components name their device by iotDeviceId")
        return new

    return [entity(node, (i,)) for i, node in enumerate(raw)]


def _without_init_value(prop: Any, parts: tuple, notes: Notes) -> Any:
    if isinstance(prop, dict) and "initValue" in prop:
        notes.add(parts + ("initValue",), "removed")
        return {k: v for k, v in prop.items() if k != "initValue"}
    return prop


def tree_document(entities: tuple[HierarchyEntity, ...]) -> list:
    """The validated tree as config_hierarchy.json (components before child entities)."""

    def component(c: HierarchyComponent) -> dict:
        node: dict[str, Any] = {"type": "component", "name": c.name, "iotDeviceId": c.iot_device_id}
        if c.properties:
            node["properties"] = [{"name": p.name, "dataType": p.data_type} for p in c.properties]
        if c.const_properties:
            node["constProperties"] = [{"name": k.name, "dataType": k.data_type, "value": k.value} for k in c.const_properties]
        return node

    def entity(e: HierarchyEntity) -> dict:
        node: dict[str, Any] = {"type": "entity", "id": e.id}
        children = [component(c) for c in e.components] + [entity(child) for child in e.children]
        if children:
            node["children"] = children
        return node

    return [entity(e) for e in entities]


def walk(entities: tuple[HierarchyEntity, ...]) -> Iterator[HierarchyEntity]:
    for entity in entities:
        yield entity
        yield from walk(entity.children)
