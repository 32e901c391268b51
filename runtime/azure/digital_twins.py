"""Live values in Azure Digital Twins: a record patches twin `<device_id>` (models: constructs_lib/azure/dtdl_models.py).

Only the properties the twin's model declares are patched (ADT rejects unknown ones), under the
name the model gives them (a generated model maps names DTDL does not allow), plus `lastUpdate`
where it declares it: the bundle's `twin_bindings.json` (written at synth) says which,
per device, because a model the project brings (twin_hierarchy/azure_hierarchy.json) may declare
fewer than the device sends. Without that file every record property is patched. "add" sets a
property whether or not it has a value yet.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from runtime.azure import identity, rest
from runtime.azure.environment import APP_ROOT
from runtime.core.errors import InvalidInput
from runtime.core.telemetry import parse_timestamp

API_VERSION = "2023-10-31"
METADATA = ("device_id", "timestamp", "record_id")  # record fields, not twin properties
BINDINGS_FILE = "twin_bindings.json"
MAX_CONFLICTS = 5  # concurrent updaters of one twin: read again and retry the conditional patch


def twin_patch(record: Mapping[str, Any], binding: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """`binding`: {"properties": [names the model declares], "last_update": bool, "names"?: {record
    name: its name in the twin}}; None: all of them, as named."""
    declared = None if binding is None else set(binding.get("properties", ()))
    renamed = {} if binding is None else binding.get("names", {})
    operations = [{"op": "add", "path": f"/{renamed.get(name, name)}", "value": value}
                  for name, value in record.items()
                  if name not in METADATA and value is not None and (declared is None or name in declared)]
    if binding is None or binding.get("last_update"):
        operations.append({"op": "add", "path": "/lastUpdate", "value": record["timestamp"]})
    return operations


def load_bindings(bundle_dir: Path) -> dict[str, Any] | None:
    path = bundle_dir / BINDINGS_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


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

    def __init__(self, adt_url: str, bindings: Mapping[str, Any] | None = None) -> None:
        self._url = adt_url.rstrip("/")
        self._bindings = bindings if bindings is not None else _default_bindings()

    def update(self, records: Iterable[Mapping[str, Any]]) -> int:
        count = 0
        for record in latest_per_device(records):
            binding = None if self._bindings is None else self._bindings.get(record["device_id"])
            if self._bindings is not None and binding is None:
                continue  # a device without a twin (not in the twin model): nothing to patch
            operations = twin_patch(record, binding)
            if operations:  # else its twin's model declares none of the record's properties
                count += self._apply(record, operations)
        return count

    def _apply(self, record: Mapping[str, Any], operations: list[dict[str, Any]]) -> bool:
        url = f"{self._url}/digitaltwins/{quote(record['device_id'])}?api-version={API_VERSION}"
        for _ in range(MAX_CONFLICTS):
            headers = identity.bearer(identity.DIGITAL_TWINS)
            twin = rest.json_body(rest.checked("GET", url, headers)[2]) or {}
            if _shows_newer(twin.get("lastUpdate"), record["timestamp"]):
                return False
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


def _shows_newer(shown: Any, timestamp: str) -> bool:
    try:
        return isinstance(shown, str) and parse_timestamp(shown) >= parse_timestamp(timestamp)
    except InvalidInput:
        return False


_LOADED: dict[Path, dict[str, Any] | None] = {}


def _default_bindings() -> dict[str, Any] | None:
    """The bindings staged with this function app's bundle (read once per instance)."""
    root = Path(os.environ.get("PROJECT_BUNDLE_DIR", str(APP_ROOT / "project")))
    if root not in _LOADED:
        _LOADED[root] = load_bindings(root)
    return _LOADED[root]
