"""Live values in Azure Digital Twins: a record patches twin `<device_id>` (models: constructs_lib/azure/dtdl.py).

Only the device's declared properties are patched (ADT rejects unknown ones), plus `lastUpdate`;
"add" sets a property whether or not it has a value yet.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from runtime.azure import identity, rest
from runtime.core.errors import InvalidInput
from runtime.core.telemetry import parse_timestamp

API_VERSION = "2023-10-31"
METADATA = ("device_id", "timestamp", "record_id")  # record fields, not twin properties


def twin_patch(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    operations = [{"op": "add", "path": f"/{name}", "value": value}
                  for name, value in record.items() if name not in METADATA and value is not None]
    return operations + [{"op": "add", "path": "/lastUpdate", "value": record["timestamp"]}]


def latest_per_device(records: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """A batch may hold several records of a device: the twin shows the newest one."""
    newest: dict[str, Mapping[str, Any]] = {}
    for record in records:
        current = newest.get(record["device_id"])
        if current is None or record["timestamp"] >= current["timestamp"]:
            newest[record["device_id"]] = record
    return list(newest.values())


MAX_CONFLICTS = 5  # concurrent updaters of one twin: read again and retry the conditional patch


class TwinUpdater:
    """Patches each device's twin with its newest record, unless the twin already shows a newer
    one: deliveries retried after an outage arrive after newer readings, and must not roll the
    live value back. The patch is conditional on the twin read (If-Match its etag)."""

    def __init__(self, adt_url: str) -> None:
        self._url = adt_url.rstrip("/")

    def update(self, records: Iterable[Mapping[str, Any]]) -> int:
        return sum(self._apply(record) for record in latest_per_device(records))

    def _apply(self, record: Mapping[str, Any]) -> bool:
        url = f"{self._url}/digitaltwins/{quote(record['device_id'])}?api-version={API_VERSION}"
        for _ in range(MAX_CONFLICTS):
            headers = identity.bearer(identity.DIGITAL_TWINS)
            twin = rest.json_body(rest.checked("GET", url, headers)[2]) or {}
            if _shows_newer(twin.get("lastUpdate"), record["timestamp"]):
                return False
            headers = {**headers, "Content-Type": "application/json-patch+json", "If-Match": twin.get("$etag") or "*"}
            try:
                rest.checked("PATCH", url, headers, json.dumps(twin_patch(record)).encode())
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
