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


class TwinUpdater:
    def __init__(self, adt_url: str) -> None:
        self._url = adt_url.rstrip("/")

    def update(self, records: Iterable[Mapping[str, Any]]) -> int:
        count = 0
        for record in latest_per_device(records):
            headers = {"Content-Type": "application/json-patch+json", **identity.bearer(identity.DIGITAL_TWINS)}
            url = f"{self._url}/digitaltwins/{quote(record['device_id'])}?api-version={API_VERSION}"
            try:
                rest.checked("PATCH", url, headers, json.dumps(twin_patch(record)).encode())
            except rest.AzureRestError as exc:
                if exc.status == 400:  # the twin's model refuses the values: no retry will change that
                    raise InvalidInput(f"Azure Digital Twins refused the update of {record['device_id']}: {exc.code}",
                                       code="rejected_by_digital_twins") from None
                raise
            count += 1
        return count
