"""IoT TwinMaker connector requests and responses ↔ cloud-neutral reader queries and answers.

Shared by the hot reader (TwinMaker invokes it directly) and the L4 Digital Twin Data Connector
(which forwards the neutral query to a reader on another cloud). The device id comes from the
component's `iotDeviceId` property value, so no TwinMaker entity lookup is needed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from runtime.core.errors import InvalidInput
from runtime.core.reader import ASCENDING, DEFAULT_MAX_RESULTS, LatestQuery, RangeQuery, ReaderQueryError
from runtime.core.telemetry import TelemetryError, normalize_timestamp

DEVICE_ID_PROPERTY = "iotDeviceId"
VALUE_KEYS = {
    "DOUBLE": "doubleValue",
    "INTEGER": "integerValue",
    "LONG": "longValue",
    "BOOLEAN": "booleanValue",
    "STRING": "stringValue",
}
_INT32_MAX = 2**31 - 1


class TwinMakerRequestError(InvalidInput):
    code = "invalid_twinmaker_request"


def range_query(request: Mapping[str, Any]) -> RangeQuery:
    """A `dataReader` request (history of time-series properties) as a range query."""
    try:
        return RangeQuery(
            device_id=_device_id(request),
            properties=_selected(request),
            start_time=_time(request, "startTime", "startDateTime"),
            end_time=_time(request, "endTime", "endDateTime"),
            max_results=request.get("maxResults") or DEFAULT_MAX_RESULTS,
            next_token=request.get("nextToken"),
            order=request.get("orderByTime") or ASCENDING,
        )
    except ReaderQueryError as exc:
        raise TwinMakerRequestError(str(exc)) from exc


def latest_query(request: Mapping[str, Any]) -> LatestQuery:
    """An `attributePropertyValueReaderByEntity` request as a latest-entry query."""
    try:
        return LatestQuery(device_id=_device_id(request), properties=_selected(request))
    except ReaderQueryError as exc:
        raise TwinMakerRequestError(str(exc)) from exc


def range_response(request: Mapping[str, Any], answer: Mapping[str, Any]) -> dict[str, Any]:
    property_values = []
    for name in _selected(request):
        data_type = _data_type(request, name)
        values = [
            {"time": item["timestamp"], "value": typed}
            for item in answer["items"]
            if (typed := typed_value(item["values"].get(name), data_type)) is not None
        ]
        if values:
            property_values.append({"entityPropertyReference": _reference(request, name), "values": values})
    response: dict[str, Any] = {"propertyValues": property_values}
    if answer.get("next_token"):
        response["nextToken"] = answer["next_token"]
    return response


def latest_response(request: Mapping[str, Any], answer: Mapping[str, Any]) -> dict[str, Any]:
    values = answer.get("values", {})
    property_values = {
        name: {"propertyReference": _reference(request, name), "propertyValue": typed}
        for name in _selected(request)
        if (typed := typed_value(values.get(name), _data_type(request, name))) is not None
    }
    return {"propertyValues": property_values}


def typed_value(value: Any, data_type: str | None) -> dict[str, Any] | None:
    """TwinMaker's typed value (`{"doubleValue": 21.5}`), or None when absent or not convertible."""
    if value is None:
        return None
    data_type = data_type or _inferred_type(value)
    try:
        return {VALUE_KEYS[data_type]: _CONVERTERS[data_type](value)}
    except (KeyError, TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Operation:
    """One TwinMaker read: its request/response translation and the neutral query it maps to."""

    to_query: Callable[[Mapping[str, Any]], RangeQuery | LatestQuery]
    parse_query: Callable[[Any], RangeQuery | LatestQuery]
    to_response: Callable[[Mapping[str, Any], Mapping[str, Any]], dict[str, Any]]
    empty_response: Callable[[], dict[str, Any]]


DATA_READER = Operation(range_query, RangeQuery.from_dict, range_response, lambda: {"propertyValues": []})
LAST_ENTRY_READER = Operation(latest_query, LatestQuery.from_dict, latest_response, lambda: {"propertyValues": {}})


def _device_id(request: Mapping[str, Any]) -> str:
    try:
        device_id = request["properties"][DEVICE_ID_PROPERTY]["value"]["stringValue"]
    except (KeyError, TypeError):
        device_id = None
    if not isinstance(device_id, str):
        raise TwinMakerRequestError(f"request has no string properties.{DEVICE_ID_PROPERTY}.value.stringValue")
    return device_id


def _selected(request: Mapping[str, Any]) -> tuple[str, ...]:
    selected = request.get("selectedProperties")
    if not isinstance(selected, list) or not all(isinstance(name, str) for name in selected):
        raise TwinMakerRequestError("selectedProperties must be a list of property names")
    return tuple(name for name in selected if name != DEVICE_ID_PROPERTY)


def _time(request: Mapping[str, Any], iso_key: str, epoch_key: str) -> str:
    """ISO `startTime`/`endTime`, or the deprecated epoch-seconds `startDateTime`/`endDateTime`."""
    value = request.get(iso_key, request.get(epoch_key))
    if value is None:
        raise TwinMakerRequestError(f"request has neither {iso_key} nor {epoch_key}")
    try:
        return normalize_timestamp(value)
    except TelemetryError as exc:
        raise TwinMakerRequestError(f"{iso_key}: {exc}") from exc


def _data_type(request: Mapping[str, Any], name: str) -> str | None:
    try:
        data_type = request["properties"][name]["definition"]["dataType"]["type"]
    except (KeyError, TypeError):
        return None
    return data_type if isinstance(data_type, str) else None


def _reference(request: Mapping[str, Any], name: str) -> dict[str, Any]:
    return {"entityId": request.get("entityId"), "componentName": request.get("componentName"), "propertyName": name}


def _inferred_type(value: Any) -> str:
    if isinstance(value, bool):
        return "BOOLEAN"
    if isinstance(value, int):
        return "INTEGER" if abs(value) <= _INT32_MAX else "LONG"
    return "DOUBLE" if isinstance(value, float) else "STRING"


def _integer(value: Any) -> int:
    number = float(value)
    if isinstance(value, bool) or not number.is_integer():
        raise ValueError(f"{value!r} is not an integer")
    return int(value) if isinstance(value, int) else int(number)


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ValueError(f"{value!r} is not a boolean")


def _double(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    return float(value)


def _string(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "DOUBLE": _double,
    "INTEGER": _integer,
    "LONG": _integer,
    "BOOLEAN": _boolean,
    "STRING": _string,
}
