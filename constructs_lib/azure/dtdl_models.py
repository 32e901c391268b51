"""DTDL v3 models and twins for Azure Digital Twins, generated from the devices and the hierarchy.

Why generated files and not resources: models, twins and relationships are ADT data-plane objects
with no azurerm resource. The L4 stack writes them next to its cdk.tf.json and the deploy step
(docs/azure.md) uploads them with `az dt model create` / `az dt twin create`.

Shape: one interface per device (its properties as writable DTDL properties holding the live
values, its constProperties, and `iotDeviceId`; a name DTDL does not allow under its mapped form,
twin_contract.dtdl.dtdl_name), one `Entity` interface with a `contains`
relationship. A component that references a device becomes the twin `<device_id>`, so the
persister and the ADT updater patch twin `<device_id>` without any lookup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from twin_contract.dtdl import device_model_id, dtdl_name, entity_model_id

# What the generator reads of a device and of the hierarchy: described here, structurally, so the
# construct library does not depend on the application's config model.


class _Property(Protocol):
    name: str
    data_type: str
    init_value: object


class _Constant(Protocol):
    name: str
    data_type: str
    value: object


class Device(Protocol):
    id: str
    properties: Sequence[_Property]
    const_properties: Sequence[_Constant]


class _Component(Protocol):
    iot_device_id: str | None


class HierarchyEntity(Protocol):
    id: str
    components: Sequence[_Component]
    children: Sequence["HierarchyEntity"]

DTDL_CONTEXT = "dtmi:dtdl:context;3"
SCHEMAS = {"DOUBLE": "double", "INTEGER": "integer", "LONG": "long", "BOOLEAN": "boolean", "STRING": "string"}
RELATIONSHIP = "contains"


def models(twin: str, devices: tuple[Device, ...], with_entity: bool = True) -> list[dict[str, Any]]:
    """The Entity interface (with_entity) and one interface per device."""
    entity = {
        "@id": entity_model_id(twin),
        "@type": "Interface",
        "@context": DTDL_CONTEXT,
        "displayName": "Entity",
        "contents": [
            {"@type": "Relationship", "name": RELATIONSHIP, "displayName": "contains"},
        ],
    }
    result = [entity] if with_entity else []
    for device in devices:
        contents: list[dict[str, Any]] = [
            {"@type": "Property", "name": "iotDeviceId", "schema": "string"},
            {"@type": "Property", "name": "lastUpdate", "schema": "dateTime", "writable": True},
        ]
        contents += [
            {"@type": "Property", "name": dtdl_name(p.name), "schema": SCHEMAS[p.data_type], "writable": True}
            for p in device.properties
        ]
        contents += [{"@type": "Property", "name": dtdl_name(c.name), "schema": SCHEMAS[c.data_type]}
                     for c in device.const_properties]
        result.append(
            {
                "@id": device_model_id(twin, device.id),
                "@type": "Interface",
                "@context": DTDL_CONTEXT,
                "displayName": device.id[:64],
                "contents": contents,
            }
        )
    return result


def device_twins(twin: str, devices: tuple[Device, ...]) -> list[dict[str, Any]]:
    """Twins of devices that have no other (a project's own DTDL names none for them)."""
    return [_device_twin(twin, device) for device in devices]


def _device_twin(twin: str, device: Device) -> dict[str, Any]:
    body: dict[str, Any] = {"$metadata": {"$model": device_model_id(twin, device.id)}, "iotDeviceId": device.id}
    body.update({dtdl_name(c.name): c.value for c in device.const_properties})
    body.update({dtdl_name(p.name): p.init_value for p in device.properties if p.init_value is not None})
    return {"$dtId": device.id, **body}


def twins(twin: str, devices: tuple[Device, ...], hierarchy: tuple[HierarchyEntity, ...]) -> dict[str, Any]:
    """`{"twins": [...], "relationships": [...]}` in the shape of the ADT REST API bodies."""
    by_id = {device.id: device for device in devices}
    found: dict[str, dict[str, Any]] = {}
    relationships: list[dict[str, Any]] = []

    def device_twin(device: Device) -> dict[str, Any]:
        return _device_twin(twin, device)

    def visit(entity: HierarchyEntity, parent: str | None) -> None:
        found[entity.id] = {"$dtId": entity.id, "$metadata": {"$model": entity_model_id(twin)}}
        if parent:
            relationships.append(_relationship(parent, entity.id))
        for component in entity.components:
            if component.iot_device_id in by_id:
                found[component.iot_device_id] = device_twin(by_id[component.iot_device_id])
                relationships.append(_relationship(entity.id, component.iot_device_id))
        for child in entity.children:
            visit(child, entity.id)

    for root in hierarchy:
        visit(root, None)
    for device in devices:  # devices outside the hierarchy still get a twin (live values)
        found.setdefault(device.id, device_twin(device))
    return {"twins": list(found.values()), "relationships": relationships}


def _relationship(source: str, target: str) -> dict[str, Any]:
    return {
        "$sourceId": source,
        "$relationshipId": f"{source}-{RELATIONSHIP}-{target}"[:128],
        "$targetId": target,
        "$relationshipName": RELATIONSHIP,
    }
