"""TwinMaker component types, one per device *schema*, not one per device.

Devices with equal schemas (same telemetry and constant property names and types) share
one component type, so a fleet of thousands of identical devices needs a handful of types and
stays far below TwinMaker's per-workspace quota. The type id is `<twin>-schema-<8 hex>`, a digest
of the schema: stable when devices are added or removed, new only when a schema changes.

Every type has:
- each telemetry property as time series stored externally, read through `dataReader`; in a
  twin without hot storage (a model alone: no readers) a plain property of its type that nobody writes;
- each constant property, with a default value when every device of the schema agrees on it
  (values that differ are set on each entity's component instead);
- `iotDeviceId` (STRING, required, not time series): the readers take the device id from it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from aws_cdk import aws_iottwinmaker as twinmaker
from constructs import Construct

from constructs_lib.quota import QuotaExceeded

DEVICE_ID_PROPERTY = "iotDeviceId"
MAX_COMPONENT_TYPES = 150  # kept well inside TwinMaker's per-workspace component type quota


@dataclass(frozen=True)
class TwinDevice:
    """What TwinMaker needs to know of a device."""

    id: str
    telemetry: tuple[tuple[str, str], ...]  # (name, data type)
    constants: tuple[tuple[str, str, object], ...] = ()  # (name, data type, value)

    @property
    def schema(self) -> tuple[Any, ...]:
        return self.telemetry, tuple((name, data_type) for name, data_type, _ in self.constants)


def data_value(data_type: str, value: object) -> dict[str, Any]:
    """TwinMaker DataValue fields, as keyword arguments of the L1 DataValueProperty classes."""
    return {f"{data_type.lower()}_value": value}


@dataclass(frozen=True)
class SharedComponentType:
    """A component type and the devices that use it."""

    type_id: str
    devices: tuple[TwinDevice, ...]

    @property
    def schema(self) -> tuple[Any, ...]:
        return self.devices[0].schema

    @cached_property
    def const_defaults(self) -> dict[str, tuple[str, object]]:
        """Constant values common to every device of the schema: name → (data type, value)."""
        first, *others = self.devices
        return {
            name: (data_type, value)
            for name, data_type, value in first.constants
            if all((name, data_type, value) in device.constants for device in others)
        }


def share_component_types(twin_name: str, devices: tuple[TwinDevice, ...]) -> tuple[SharedComponentType, ...]:
    """Group devices by schema; raises when the twin needs more types than the workspace allows."""
    by_schema: dict[tuple[Any, ...], list[TwinDevice]] = {}
    for device in sorted(devices, key=lambda d: d.id):
        by_schema.setdefault(device.schema, []).append(device)
    if len(by_schema) > MAX_COMPONENT_TYPES:
        raise QuotaExceeded(
            f"{len(by_schema)} distinct device schemas need as many TwinMaker component types; "
            f"at most {MAX_COMPONENT_TYPES} are supported per workspace",
            subject="device schemas",
        )
    return tuple(
        SharedComponentType(f"{twin_name}-schema-{_digest(schema)}", tuple(members))
        for schema, members in by_schema.items()
    )


def _digest(schema: tuple[Any, ...]) -> str:
    return hashlib.sha256(json.dumps(schema).encode()).hexdigest()[:8]


@dataclass(frozen=True)
class TwinComponentTypesProps:
    twin_name: str
    workspace_id: str
    devices: tuple[TwinDevice, ...]
    # dataReader (time-range reads of the time-series properties) and
    # attributePropertyValueReaderByEntity (newest values); both None in a twin without hot storage.
    data_reader_arn: str | None
    last_entry_reader_arn: str | None

    def __post_init__(self) -> None:
        if (self.data_reader_arn is None) is not (self.last_entry_reader_arn is None):
            raise ValueError("component types read through both readers or through none")


class TwinComponentTypes(Construct):
    """Exposes `shared_types` and `entity_component(device_id)`; every child is one CfnComponentType."""

    def __init__(self, scope: Construct, id: str, props: TwinComponentTypesProps) -> None:
        super().__init__(scope, id)
        self.shared_types = share_component_types(props.twin_name, props.devices)
        self._by_device = {device.id: (device, shared) for shared in self.shared_types for device in shared.devices}
        self._read = props.data_reader_arn is not None and props.last_entry_reader_arn is not None
        functions = {
            "dataReader": self._function(props.data_reader_arn),
            "attributePropertyValueReaderByEntity": self._function(props.last_entry_reader_arn),
        } if props.data_reader_arn is not None and props.last_entry_reader_arn is not None else None
        for shared in self.shared_types:
            twinmaker.CfnComponentType(
                self,
                shared.type_id,
                workspace_id=props.workspace_id,
                component_type_id=shared.type_id,
                # No device count here: adding a device must not touch the shared type.
                description=f"Telemetry schema shared by the devices of {props.twin_name} with these properties",
                property_definitions=self._property_definitions(shared, self._read),
                functions=functions,
            )

    def entity_component(
        self, device_id: str, constants: tuple[tuple[str, str, object], ...] = ()
    ) -> twinmaker.CfnEntity.ComponentProperty:
        """A device's component on its entity: its type, its device id, its own constants and the
        component's (a constant the type does not define is defined on the component itself)."""
        device, shared = self._by_device[device_id]
        values: dict[str, tuple[str, object]] = {DEVICE_ID_PROPERTY: ("STRING", device.id)}
        values.update({name: (t, v) for name, t, v in device.constants if name not in shared.const_defaults})
        type_constants = {name for name, _, _ in device.constants}
        values.update({name: (t, v) for name, t, v in constants})
        return twinmaker.CfnEntity.ComponentProperty(
            component_type_id=shared.type_id,
            properties={
                name: twinmaker.CfnEntity.PropertyProperty(
                    value=twinmaker.CfnEntity.DataValueProperty(**data_value(t, v)),
                    definition=None if name in type_constants or name == DEVICE_ID_PROPERTY else
                    twinmaker.CfnEntity.DefinitionProperty(data_type=twinmaker.CfnEntity.DataTypeProperty(type=t)),
                )
                for name, (t, v) in values.items()
            },
        )

    @staticmethod
    def _function(arn: str) -> twinmaker.CfnComponentType.FunctionProperty:
        return twinmaker.CfnComponentType.FunctionProperty(
            implemented_by=twinmaker.CfnComponentType.DataConnectorProperty(
                is_native=False, lambda_=twinmaker.CfnComponentType.LambdaFunctionProperty(arn=arn)
            ),
            required_properties=[DEVICE_ID_PROPERTY],
        )

    @staticmethod
    def _property_definitions(shared: SharedComponentType, read: bool) -> dict[str, Any]:
        definition = twinmaker.CfnComponentType.PropertyDefinitionProperty
        data_type = twinmaker.CfnComponentType.DataTypeProperty
        telemetry_names, const_names = shared.schema
        definitions = {
            name: definition(data_type=data_type(type=t), is_time_series=True, is_stored_externally=True)
            if read else definition(data_type=data_type(type=t))
            for name, t in telemetry_names
        }
        defaults = shared.const_defaults
        for name, t in const_names:
            default = defaults.get(name)
            definitions[name] = definition(
                data_type=data_type(type=t),
                default_value=twinmaker.CfnComponentType.DataValueProperty(**data_value(*default)) if default else None,
            )
        definitions[DEVICE_ID_PROPERTY] = definition(
            data_type=data_type(type="STRING"), is_required_in_entity=True, is_time_series=False
        )
        return definitions
