"""What the Azure Digital Twins post-deploy step uploads, and which properties the twin updater patches.

The project's own DTDL (twin_hierarchy/azure_hierarchy.json) is uploaded as given; every device it
gives no twin gets a generated model and twin (constructs_lib/azure/dtdl_models.py), so its live values
still land. Without it, everything is generated from the devices (with the constants their
hierarchy components add) and the hierarchy.
"""

from __future__ import annotations

from dataclasses import replace

from twin_model.config.model import ConstProperty, Device, HierarchyEntity, ProjectConfig
from constructs_lib.azure import dtdl_models
from twin_contract.dtdl import dtdl_name


def dtdl_upload(config: ProjectConfig) -> tuple[list[dict], dict]:
    """(models, {twins, relationships}) to upload: the project's own DTDL as given, plus generated
    models and twins for every device it gives no twin; or, without it, all generated from the
    devices (with their components' constants) and the hierarchy."""
    devices = with_component_constants(config)
    if config.dtdl is None:
        return dtdl_models.models(config.name, devices), dtdl_models.twins(config.name, devices, config.hierarchy)
    bound = {binding.device_id for binding in config.dtdl.bindings}
    rest = tuple(device for device in devices if device.id not in bound)
    models = list(config.dtdl.models) + dtdl_models.models(config.name, rest, with_entity=False)
    graph = {"twins": list(config.dtdl.twins) + dtdl_models.device_twins(config.name, rest),
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


def twin_bindings(config: ProjectConfig) -> dict[str, dict]:
    """device id → the properties its twin's model declares, whether it declares lastUpdate, and the
    DTDL name of each property a generated model holds under another name (runtime/azure/digital_twins.py
    patches only those, under those names)."""
    user = {b.device_id: b for b in config.dtdl.bindings} if config.dtdl is not None else {}
    return {
        device.id: (
            {"properties": list(user[device.id].properties), "last_update": user[device.id].last_update}
            if device.id in user
            else _generated_binding(device)
        )
        for device in config.devices
    }


def _generated_binding(device: Device) -> dict:
    binding: dict = {"properties": [p.name for p in device.properties], "last_update": True}
    renamed = {p.name: dtdl_name(p.name) for p in device.properties if dtdl_name(p.name) != p.name}
    if renamed:
        binding["names"] = renamed
    return binding
