"""What the azure-digital-twins step loads: the twin graph as data (docs/design.md §7a).

The project's own DTDL (twin_hierarchy/azure_hierarchy.json) is uploaded as given; every device it
gives no twin gets a generated model and twin (twin_model/config/generated_dtdl.py), so its live values
still land. Without it, everything is generated from the devices (with the constants their
hierarchy components add) and the hierarchy. The twin updater reads which properties a twin
declares from its model in Azure Digital Twins (runtime/azure/digital_twins.py).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from twin_model.config.model import ConstProperty, Device, HierarchyEntity, ProjectConfig
from twin_model.config import generated_dtdl as dtdl


def twin_model(config: ProjectConfig) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(models, {twins, relationships}) to upload: the project's own DTDL as given, plus generated
    models and twins for every device it gives no twin; or, without it, all generated from the
    devices (with their components' constants) and the hierarchy."""
    devices = with_component_constants(config)
    if config.dtdl is None:
        return dtdl.models(config.name, devices), dtdl.twins(config.name, devices, config.hierarchy)
    bound = {binding.device_id for binding in config.dtdl.bindings}
    rest = tuple(device for device in devices if device.id not in bound)
    models = list(config.dtdl.models) + dtdl.models(config.name, rest, with_entity=False)
    graph = {"twins": list(config.dtdl.twins) + dtdl.device_twins(config.name, rest),
             "relationships": list(config.dtdl.relationships)}
    return models, graph


def with_component_constants(config: ProjectConfig) -> tuple[Device, ...]:
    """Devices with the constants their hierarchy components add (one twin per device holds them)."""
    extra: dict[str, dict[str, ConstProperty]] = {}

    def visit(entity: HierarchyEntity) -> None:
        for component in entity.components:
            if component.iot_device_id is not None:
                extra.setdefault(component.iot_device_id, {}).update({c.name: c for c in component.const_properties})
        for child in entity.children:
            visit(child)

    for root in config.hierarchy:
        visit(root)
    return tuple(
        replace(device, const_properties=tuple({**{c.name: c for c in device.const_properties},
                                                **extra.get(device.id, {})}.values()))
        for device in config.devices
    )
