"""DTDL v3 models and twins for Azure Digital Twins, generated from the devices and the hierarchy.

Models, twins and relationships are ADT data-plane objects with no azurerm resource, and the
twin graph is data (docs/design.md §7a): the azure-digital-twins step computes them from the
validated project and loads them after the L4 stack, which names no device.

Shape: one interface per device *schema* (the telemetry properties as writable DTDL properties
holding the live values, the constants, `iotDeviceId` and `lastUpdate`; a name DTDL does not
allow under its mapped form, twin_contract.dtdl.dtdl_name), so a fleet of any size needs as many
models as it has kinds of device (Azure Digital Twins holds 10,000 models per instance); one
`Entity` interface with a `contains` relationship. A component that references a device becomes
the twin `<device_id>`, so the persister and the ADT updater patch twin `<device_id>` without any
lookup.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from twin_model.config.model import Device, HierarchyEntity
from twin_contract.dtdl import dtdl_name, entity_model_id, namespace

DTDL_CONTEXT = "dtmi:dtdl:context;3"
SCHEMAS = {"DOUBLE": "double", "INTEGER": "integer", "LONG": "long", "BOOLEAN": "boolean", "STRING": "string"}
RELATIONSHIP = "contains"


def _schema(device: Device) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    return (tuple((dtdl_name(p.name), p.data_type) for p in device.properties),
            tuple((dtdl_name(c.name), c.data_type) for c in device.const_properties))


def device_model_id(twin: str, device: Device) -> str:
    """The model of every device with this device's schema: `...:device:s<8 hex of the schema>;1`."""
    digest = hashlib.sha256(json.dumps(_schema(device)).encode()).hexdigest()[:8]
    return f"{namespace(twin)}:device:s{digest};1"


def models(twin: str, devices: tuple[Device, ...], with_entity: bool = True) -> list[dict[str, Any]]:
    """The Entity interface (with_entity) and one interface per device schema."""
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
    made: set[str] = set()
    for device in devices:
        model_id = device_model_id(twin, device)
        if model_id in made:
            continue
        made.add(model_id)
        telemetry, constants = _schema(device)
        contents: list[dict[str, Any]] = [
            {"@type": "Property", "name": "iotDeviceId", "schema": "string"},
            {"@type": "Property", "name": "lastUpdate", "schema": "dateTime", "writable": True},
        ]
        contents += [{"@type": "Property", "name": name, "schema": SCHEMAS[t], "writable": True} for name, t in telemetry]
        contents += [{"@type": "Property", "name": name, "schema": SCHEMAS[t]} for name, t in constants]
        names = ", ".join(name for name, _ in telemetry) or "no telemetry"
        result.append(
            {
                "@id": model_id,
                "@type": "Interface",
                "@context": DTDL_CONTEXT,
                "displayName": f"Device: {names}"[:64],
                "contents": contents,
            }
        )
    return result


def device_twins(twin: str, devices: tuple[Device, ...]) -> list[dict[str, Any]]:
    """Twins of devices that have no other (a project's own DTDL names none for them)."""
    return [_device_twin(twin, device) for device in devices]


def _device_twin(twin: str, device: Device) -> dict[str, Any]:
    body: dict[str, Any] = {"$metadata": {"$model": device_model_id(twin, device)}, "iotDeviceId": device.id}
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
