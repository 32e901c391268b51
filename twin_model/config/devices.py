"""config_iot_devices.json: device ids, telemetry properties and constants, each value of its type.

Names follow their tightest consumer (twin_model.config.names); with layer 4 on Azure, device ids
become DTDL model ids, and property names are noted for twin_model.config.twin_names (they become
DTDL names only in a generated model, mapped).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from twin_model.config import names as naming
from twin_model.config.context import LoadContext, is_int, short
from twin_model.config.documents import JsonObject, PathParts
from twin_model.config.model import DATA_TYPES, ConstProperty, Device, DeviceProperty, Provider
from twin_contract.devices import MAX_COMMON_NAME

# Record fields every hot store writes itself (`id` is Cosmos DB's item id).
RESERVED_PROPERTY_NAMES = ("iotDeviceId", "device_id", "timestamp", "ttl", "id")
MAX_DEVICES = 100_000
MAX_PROPERTIES_PER_DEVICE = 100
MAX_STRING_VALUE = 256  # TwinMaker string values
MAX_DOUBLE = 1e100
INT_RANGES = {"INTEGER": (-(2**31), 2**31 - 1), "LONG": (-(2**63), 2**63 - 1)}


def devices(ctx: LoadContext, raw: Any) -> tuple[Device, ...]:
    """The usable devices; every problem of the file is reported."""
    file = "config_iot_devices.json"
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        ctx.add(file, (), "a non-empty JSON array of devices")
        return ()
    if len(raw) > MAX_DEVICES:
        ctx.add(file, (), f"at most {MAX_DEVICES:,} devices (got {len(raw):,}): split the fleet across twins")
        return ()
    max_id = naming.max_device_id_length(ctx.twin.resource_name if ctx.twin else "x" * naming.MAX_TWIN_NAME)
    note = f"`<twin>-<id>` is an IoT thing name of at most {naming.MAX_THING_NAME}; "
    if ctx.l1() is Provider.AWS and max_id > MAX_COMMON_NAME:
        # The device certificate's subject common name (JITP makes the thing of it): RFC 5280's bound.
        max_id, note = MAX_COMMON_NAME, f"the device's certificate carries its id as common name, at most {MAX_COMMON_NAME}; "
    azure_twin = ctx.l4() is Provider.AZURE
    found: list[Device] = []
    seen: dict[str, str] = {}  # folded id → id
    checked = CheckedEntries(ctx)
    for i, item in enumerate(raw):
        parts = (i,)
        if not isinstance(item, dict):
            ctx.add(file, parts, "a device object {id, properties, constProperties?}")
            continue
        ctx.check_keys(item, parts, file, ("id", "properties", "constProperties"))
        device_id = ctx.name(
            file, parts + ("id",), item.get("id"), "a device id", max_id, note=note,
        )
        if device_id is not None:
            key = naming.folded(device_id)
            if key in seen:
                same = seen[key] == device_id
                ctx.add(
                    file,
                    parts + ("id",),
                    f"a unique device id ({device_id!r} is used twice)"
                    if same
                    else f"a device id distinct from {seen[key]!r} ignoring case, '-' and '_' (resource names "
                    "on Google Cloud and the construct ids cannot tell them apart)",
                )
                device_id = None
            else:
                seen[key] = device_id
        props = _properties(ctx, item, parts, file, checked)
        consts = _const_properties(ctx, item, parts, file, checked)
        if device_id is not None and azure_twin:
            ctx.twin_names += [(device_id, name, file, here) for here, name in _named(item, parts)]
        names = [p.name for p in props] + [c.name for c in consts]
        for dup in sorted({n for n in names if names.count(n) > 1}) if len(set(names)) < len(names) else ():
            ctx.add(file, parts, f"unique property names ({dup!r} appears twice)")
        if len(names) > MAX_PROPERTIES_PER_DEVICE:
            ctx.add(file, parts, f"at most {MAX_PROPERTIES_PER_DEVICE} properties and constProperties per device")
        if device_id is not None:
            found.append(Device(device_id, props, consts))
    return tuple(found)


def property_name(ctx: LoadContext, entry: JsonObject, parts: PathParts, file: str) -> str | None:
    name = ctx.name(file, parts + ("name",), entry.get("name"), "a property name", naming.MAX_PROPERTY_NAME)
    if name is None:
        return None
    if name in RESERVED_PROPERTY_NAMES:
        ctx.add(file, parts + ("name",), f"a name other than the reserved {', '.join(RESERVED_PROPERTY_NAMES)}")
        return None
    return name


def property_data_type(ctx: LoadContext, entry: JsonObject, parts: PathParts, file: str) -> str | None:
    data_type = entry.get("dataType")
    if not isinstance(data_type, str) or data_type not in DATA_TYPES:
        ctx.add(file, parts + ("dataType",), f"one of {', '.join(DATA_TYPES)} (got {short(data_type)})")
        return None
    return data_type


def property_entries(
    ctx: LoadContext, node: JsonObject, key: str, parts: PathParts, file: str, shape: str, known: tuple[str, ...], *, needs: str = ""
) -> Iterator[tuple[PathParts, JsonObject, str | None, str | None]]:
    """Each object of the array `node[key]` (a missing key is an empty array) as (its path, the
    object, its checked name, its checked dataType; None where invalid). `shape` describes an
    object in problems; an object without the key `needs` is not one."""
    raw = node.get(key, [])
    if not isinstance(raw, list):
        ctx.add(file, parts + (key,), f"an array of {shape}")
        return
    for j, entry in enumerate(raw):
        here = parts + (key, j)
        checked = property_entry(ctx, entry, here, file, shape, known, needs=needs)
        if checked is not None:
            yield (here, *checked)


def property_entry(
    ctx: LoadContext, entry: Any, here: PathParts, file: str, shape: str, known: tuple[str, ...], *, needs: str = ""
) -> tuple[JsonObject, str | None, str | None] | None:
    """One object of a property array (at `here`) as (the object, its checked name, its checked
    dataType), or None (reported) when it is not an object of that shape."""
    if not isinstance(entry, dict) or (needs and needs not in entry):
        ctx.add(file, here, f"an object {shape}")
        return None
    ctx.check_keys(entry, here, file, known)
    return entry, property_name(ctx, entry, here, file), property_data_type(ctx, entry, here, file)


PlainEntry = tuple[str, str, bool, type, Any]
_PLAIN_VALUES = (str, int, float, bool, type(None))


def plain_entry(entry: Any, value_key: str) -> PlainEntry | None:
    """A hashable key of a property object whose check depends on its content alone: exactly
    `name`, `dataType` (strings) and optionally `value_key` (a scalar; its type is part of the key,
    `1`, `1.0` and `true` being different values to value_problem). None for anything else."""
    if type(entry) is not dict:
        return None
    has_value = value_key in entry
    if len(entry) != 2 + has_value:
        return None
    name, data_type, value = entry.get("name"), entry.get("dataType"), entry.get(value_key)
    if type(name) is not str or type(data_type) is not str or type(value) not in _PLAIN_VALUES:
        return None
    return name, data_type, has_value, type(value), value


class CheckedEntries:
    """Property objects found valid, by their content: a fleet repeats a handful of them (100,000
    devices, five schemas), so each distinct one is checked once. Only an object that produced a
    property and neither a problem nor a warning is kept, so a hit is what the full check gives."""

    def __init__(self, ctx: LoadContext) -> None:
        self._ctx = ctx
        self._found: dict[PlainEntry, Any] = {}

    def get(self, key: PlainEntry | None) -> Any:
        return self._found.get(key) if key is not None else None

    def mark(self) -> tuple[int, int]:
        return len(self._ctx.problems), len(self._ctx.warnings)

    def keep(self, key: PlainEntry | None, mark: tuple[int, int], checked: Any) -> None:
        if key is not None and mark == self.mark():
            self._found[key] = checked


PROPERTY_SHAPE, PROPERTY_KEYS = "{name, dataType, initValue?}", ("name", "dataType", "initValue")


def _properties(ctx: LoadContext, item: JsonObject, parts: PathParts, file: str, checked: CheckedEntries) -> tuple[DeviceProperty, ...]:
    raw = item.get("properties")
    if not isinstance(raw, list):
        ctx.add(file, parts + ("properties",), "an array of {name, dataType, initValue?}")
        return ()
    result = []
    for j, entry in enumerate(raw):
        key = plain_entry(entry, "initValue")
        if (hit := checked.get(key)) is not None:
            result.append(hit)
            continue
        mark, here = checked.mark(), parts + ("properties", j)
        found = property_entry(ctx, entry, here, file, PROPERTY_SHAPE, PROPERTY_KEYS)
        if found is None:
            continue
        entry, name, data_type = found
        value = entry.get("initValue")
        if data_type and value is not None and (problem := value_problem(value, data_type)):
            ctx.add(file, here + ("initValue",), problem)
        elif name and data_type:
            result.append(DeviceProperty(name, data_type, value))
            checked.keep(key, mark, result[-1])
    return tuple(result)


CONST_SHAPE, CONST_KEYS = "{name, dataType, value}", ("name", "dataType", "value")


def _const_properties(
    ctx: LoadContext, item: JsonObject, parts: PathParts, file: str, checked: CheckedEntries
) -> tuple[ConstProperty, ...]:
    raw = item.get("constProperties", [])
    if not isinstance(raw, list):
        ctx.add(file, parts + ("constProperties",), f"an array of {CONST_SHAPE}")
        return ()
    result = []
    for j, entry in enumerate(raw):
        key = plain_entry(entry, "value")
        if (hit := checked.get(key)) is not None:
            result.append(hit)
            continue
        mark, here = checked.mark(), parts + ("constProperties", j)
        found = property_entry(ctx, entry, here, file, CONST_SHAPE, CONST_KEYS, needs="value")
        if found is None:
            continue
        entry, name, data_type = found
        value = entry["value"]
        if data_type and (problem := value_problem(value, data_type, constant=True)):
            ctx.add(file, here + ("value",), problem)
        elif name and data_type:
            result.append(ConstProperty(name, data_type, value))
            checked.keep(key, mark, result[-1])
    return tuple(result)


def _named(item: JsonObject, parts: PathParts) -> Iterator[tuple[PathParts, str]]:
    """(path of the name, name) of each property and constant of a device object."""
    for key in ("properties", "constProperties"):
        entries = item.get(key)
        for j, entry in enumerate(entries if isinstance(entries, list) else ()):
            if isinstance(entry, dict) and isinstance(entry.get("name"), str) and naming.NAME.fullmatch(entry["name"]):
                yield parts + (key, j, "name"), entry["name"]


def value_problem(value: Any, data_type: str, *, constant: bool = False) -> str | None:
    """Why `value` cannot be a `data_type` value, or None."""
    if data_type == "STRING":
        low = 1 if constant else 0
        if not isinstance(value, str) or not low <= len(value) <= MAX_STRING_VALUE:
            return f"a string of {low}-{MAX_STRING_VALUE} characters for a STRING property (got {short(value)})"
    elif data_type == "BOOLEAN":
        if not isinstance(value, bool):
            return f"true or false for a BOOLEAN property (got {short(value)})"
    elif data_type == "DOUBLE":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not abs(value) <= MAX_DOUBLE:
            return f"a number within ±{MAX_DOUBLE:g} for a DOUBLE property (got {short(value)})"
    else:
        low, high = INT_RANGES[data_type]
        if not is_int(value) or not low <= value <= high:
            bits = 32 if data_type == "INTEGER" else 64
            return f"a whole number within {bits} bits for an {data_type} property (got {short(value)})"
    return None
