"""Live values in Azure Digital Twins: a record patches twin `<device_id>`.

Only the properties the twin's model declares are patched (ADT rejects unknown ones), under the
name the model gives them (a generated model holds a name DTDL does not allow under its mapped
form, twin_contract.dtdl.dtdl_name), plus `lastUpdate` where it declares it. Which properties a
model declares is read from Azure Digital Twins itself, once per model and instance (models are
immutable there): the model of each twin is data the azure-digital-twins step loaded, so nothing
per device is in this function's bundle (docs/design.md §7a) and a device added by the next deploy
is patched as soon as its twin exists. A device without a twin is skipped. "add" sets a property
whether or not it has a value yet.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import quote

from runtime.azure import identity, rest
from runtime.core.errors import InvalidInput
from runtime.core.telemetry import parse_timestamp
from twin_contract.dtdl import dtdl_name

API_VERSION = "2023-10-31"
METADATA = ("device_id", "timestamp", "record_id")  # record fields, not twin properties
MAX_CONFLICTS = 5  # concurrent updaters of one twin: read again and retry the conditional patch
MAX_EXTENDS = 10  # DTDL's own limit on an interface's extends depth


def twin_patch(record: Mapping[str, Any], declared: frozenset[str]) -> list[dict[str, Any]]:
    """The patch of a twin whose model declares `declared`: each record property under its own
    name when declared, else under its DTDL name when that is declared; `lastUpdate` when declared."""
    operations = []
    for name, value in record.items():
        if name in METADATA or value is None:
            continue
        target = name if name in declared else dtdl_name(name) if dtdl_name(name) in declared else None
        if target is not None:
            operations.append({"op": "add", "path": f"/{target}", "value": value})
    if "lastUpdate" in declared:
        operations.append({"op": "add", "path": "/lastUpdate", "value": record["timestamp"]})
    return operations


def declared_properties(model: Mapping[str, Any], fetch: Callable[[str], Mapping[str, Any]], depth: int = 0) -> frozenset[str]:
    """The Property names of a DTDL interface and of the interfaces it extends (`fetch`: id → interface)."""
    if depth > MAX_EXTENDS:
        raise InvalidInput(f"model {model.get('@id')} extends too deep", code="invalid_model")
    names: set[str] = set()
    for content in model.get("contents") or []:
        kinds = content.get("@type")
        if (kinds == "Property" or (isinstance(kinds, list) and "Property" in kinds)) and isinstance(content.get("name"), str):
            names.add(content["name"])
    extends = model.get("extends") or []
    for base in [extends] if isinstance(extends, (str, dict)) else extends:
        base_model = base if isinstance(base, dict) else fetch(base)
        names |= declared_properties(base_model, fetch, depth + 1)
    return frozenset(names)


def latest_per_device(records: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """A batch may hold several records of a device: the twin shows the newest one."""
    newest: dict[str, Mapping[str, Any]] = {}
    for record in records:
        current = newest.get(record["device_id"])
        if current is None or record["timestamp"] >= current["timestamp"]:
            newest[record["device_id"]] = record
    return list(newest.values())


class TwinUpdater:
    """Patches each device's twin with its newest record, unless the twin already shows a newer
    one (`lastUpdate`): deliveries retried after an outage arrive after newer readings, and must
    not roll the live value back. The patch is conditional on the twin read (If-Match its etag)."""

    def __init__(self, adt_url: str) -> None:
        self._url = adt_url.rstrip("/")

    def update(self, records: Iterable[Mapping[str, Any]]) -> int:
        return sum(self._apply(record) for record in latest_per_device(records))

    def _apply(self, record: Mapping[str, Any]) -> bool:
        url = f"{self._url}/digitaltwins/{quote(record['device_id'], safe='')}?api-version={API_VERSION}"
        for _ in range(MAX_CONFLICTS):
            headers = identity.bearer(identity.DIGITAL_TWINS)
            status, _, payload = rest.checked("GET", url, headers, allow=(404,))
            if status == 404:
                return False  # a device without a twin (not in the twin graph): nothing to patch
            twin = rest.json_body(payload) or {}
            if _shows_newer(twin.get("lastUpdate"), record["timestamp"]):
                return False
            operations = twin_patch(record, self._declared((twin.get("$metadata") or {}).get("$model", "")))
            if not operations:
                return False  # its model declares none of the record's properties
            headers = {**headers, "Content-Type": "application/json-patch+json", "If-Match": twin.get("$etag") or "*"}
            try:
                rest.checked("PATCH", url, headers, json.dumps(operations).encode())
                return True
            except rest.AzureRestError as exc:
                if exc.status == 412:  # changed since read
                    continue
                if exc.status == 400:  # the twin's model refuses the values: no retry will change that
                    raise InvalidInput(f"Azure Digital Twins refused the update of {record['device_id']}: {exc.code}",
                                       code="rejected_by_digital_twins") from None
                raise
        raise rest.AzureRestError("PATCH", url, 412, "ConflictingUpdates")

    def _declared(self, model_id: str) -> frozenset[str]:
        key = (self._url, model_id)
        if key not in _DECLARED:
            _DECLARED[key] = declared_properties(self._model(model_id), self._model)
        return _DECLARED[key]

    def _model(self, model_id: str) -> Mapping[str, Any]:
        url = f"{self._url}/models/{quote(model_id, safe='')}?includeModelDefinition=true&api-version={API_VERSION}"
        answer = rest.json_body(rest.checked("GET", url, identity.bearer(identity.DIGITAL_TWINS))[2]) or {}
        return answer.get("model") or {}


_DECLARED: dict[tuple[str, str], frozenset[str]] = {}  # (instance, model id) → its properties (models never change)


def _shows_newer(shown: Any, timestamp: str) -> bool:
    try:
        return isinstance(shown, str) and parse_timestamp(shown) >= parse_timestamp(timestamp)
    except InvalidInput:
        return False
