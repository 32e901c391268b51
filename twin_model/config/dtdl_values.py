"""Twin and relationship property values against their DTDL schemas, as Azure Digital Twins checks them.

The parser checks models, not instances: the values a twin or relationship carries are checked here
the way the service checks a create request. Each schema is read from the parser's object model (a
primitive by its kind; Object fields, Map values, Array elements and Enum values recursively), so a
schema reference, a schema defined in `schemas` and an inherited property all resolve as the parser
resolved them. Formats follow the DTDL language description: `date` an RFC 3339 full-date, `time` a
full-time, `dateTime` a date-time, `duration` an ISO 8601 duration, `integer` and `long` within
4 and 8 signed bytes (ADT takes DTDL v2 and v3 only, whose primitive schemas these are);
geospatial schemas are the parser's Objects. Service limit (Azure Digital Twins): a string value
holds at most 4 KB of UTF-8.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

from twin_model.config.context import short
from twin_model.config.documents import PathParts
from twin_model.config.dtdl_object_model import JsonObject, ObjectModel

MAX_STRING_BYTES = 4 * 1024  # Azure Digital Twins: maximum size of a string property value (UTF-8)
INTEGER_RANGES = {"Integer": (-(2**31), 2**31 - 1), "Long": (-(2**63), 2**63 - 1)}  # signed 4- and 8-byte
MAX_FLOAT = 3.4028234663852886e38
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^(\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_DATE_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2}))$")
_DURATION = re.compile(
    r"^P(?!$)(?:\d+(?:[.,]\d+)?Y)?(?:\d+(?:[.,]\d+)?M)?(?:\d+(?:[.,]\d+)?W)?(?:\d+(?:[.,]\d+)?D)?"
    r"(?:T(?=\d)(?:\d+(?:[.,]\d+)?H)?(?:\d+(?:[.,]\d+)?M)?(?:\d+(?:[.,]\d+)?S)?)?$"
)
_PRIMITIVE_ID = re.compile(r"^dtmi:dtdl:instance:Schema:(\w+);\d+$")


def value_problems(model: ObjectModel, schema: Any, value: Any, parts: PathParts) -> Iterator[tuple[PathParts, str]]:
    """(where, expected) for each way `value` breaks `schema` (an entity id from the object model)."""
    entity = model.entity(schema)
    kind = entity.get("EntityKind") if entity is not None else None
    if kind is None and isinstance(schema, str) and (match := _PRIMITIVE_ID.match(schema)):
        kind = match.group(1)[:1].upper() + match.group(1)[1:]
    if value is None:
        yield parts, f"a {_label(kind)} value (Azure Digital Twins refuses null in a create request)"
        return
    if entity is not None and kind in ("Object", "Map", "Array", "Enum"):
        yield from _complex(model, kind, entity, value, parts)
        return
    if not isinstance(kind, str):
        return  # a schema this check does not know (an extension's): the service decides
    problem = primitive_problem(kind, value)
    if problem:
        yield parts, problem


def primitive_problem(kind: str, value: Any) -> str | None:
    """What a primitive schema (by its object-model kind, e.g. `Integer`) expects of `value`."""
    if kind == "Boolean":
        return None if isinstance(value, bool) else f"true or false (boolean; got {short(value)})"
    if kind in INTEGER_RANGES:
        low, high = INTEGER_RANGES[kind]
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            return None
        return f"a whole number from {low:,} to {high:,} ({_label(kind)}; got {short(value)})"
    if kind in ("Double", "Float"):
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if number and math.isfinite(value) and (kind != "Float" or abs(value) <= MAX_FLOAT):
            return None
        return f"a number ({_label(kind)}; got {short(value)})"
    if kind == "String":
        if not isinstance(value, str):
            return f"a string (got {short(value)})"
        size = len(value.encode("utf-8"))
        limit = "a string of at most 4 KB of UTF-8 (Azure Digital Twins' limit"
        return None if size <= MAX_STRING_BYTES else f"{limit}; it has {size:,} bytes)"
    if kind in _FORMATS:
        label, valid = _FORMATS[kind]
        return None if isinstance(value, str) and valid(value) else f"{label} (got {short(value)})"
    return None


def _complex(model: ObjectModel, kind: str, entity: JsonObject, value: Any, parts: PathParts) -> Iterator[tuple[PathParts, str]]:
    if kind == "Enum":
        allowed = [e.get("enumValue") for e in (model.entity(i) for i in entity.get("enumValues", ())) if e is not None]
        if not any(value == a and type(value) is type(a) for a in allowed):
            yield parts, f"one of the Enum's values {', '.join(short(a) for a in allowed)} (got {short(value)})"
    elif kind == "Array":
        if not isinstance(value, list):
            yield parts, f"an array (got {short(value)})"
            return
        for i, item in enumerate(value):
            yield from value_problems(model, entity.get("elementSchema"), item, parts + (i,))
    elif kind == "Map":
        if not isinstance(value, dict):
            yield parts, f"an object of map entries (got {short(value)})"
            return
        map_value = model.entity(entity.get("mapValue")) or {}
        for key, item in value.items():
            yield from value_problems(model, map_value.get("schema"), item, parts + (key,))
    else:  # Object
        if not isinstance(value, dict):
            yield parts, f"an object (got {short(value)})"
            return
        fields = {f["name"]: f for f in (model.entity(i) for i in entity.get("fields", ())) if f is not None and "name" in f}
        for key, item in value.items():
            if key not in fields:
                yield parts + (key,), f"a field of the Object ({', '.join(sorted(fields)) or 'it has none'})"
            else:
                yield from value_problems(model, fields[key].get("schema"), item, parts + (key,))


def _label(kind: Any) -> str:
    return (kind[:1].lower() + kind[1:]) if isinstance(kind, str) else "schema's"


def _valid_date(text: str) -> bool:
    if not _DATE.match(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _valid_time(text: str) -> bool:
    match = _TIME.match(text)
    if not match:
        return False
    hour, minute, second = (int(g) for g in match.groups()[:3])
    offset = match.group(5)
    offset_ok = offset in ("Z", "z") or (int(offset[1:3]) <= 23 and int(offset[4:6]) <= 59)
    return hour <= 23 and minute <= 59 and second <= 60 and offset_ok


def _valid_date_time(text: str) -> bool:
    match = _DATE_TIME.match(text)
    return match is not None and _valid_date(match.group(1)) and _valid_time(match.group(2))


_FORMATS = {
    "Date": ("an RFC 3339 full-date such as 2024-05-31 (date)", _valid_date),
    "Time": ("an RFC 3339 full-time such as 07:20:50.52Z (time)", _valid_time),
    "DateTime": ("an RFC 3339 date-time such as 2024-05-31T07:20:50Z (dateTime)", _valid_date_time),
    "Duration": ("an ISO 8601 duration such as P3DT4H (duration)", lambda text: bool(_DURATION.match(text))),
}
