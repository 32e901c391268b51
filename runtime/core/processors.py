"""User processors: `project/processors/<device_id>/process.py` defines `process(record) -> record`.

The predecessor's shapes run too (runtime.core.user_code): a device's folder holds one entry file
(`process.py`, `lambda_function.py`, `main.py`, or on Azure `function_app.py`), staged by the synth
from wherever the project keeps it. Modules are loaded by path once per device and cached for the
life of the function instance. A device without a processor gets the project's default processor
(`processors/.default/`, the predecessor's `default_processor`) or, without one, the record
unchanged. Exceptions from user code propagate, so the platform's retries and dead-letter path apply.

Record ids belong to the twin, not to user code: a single output keeps its input's id, and the
outputs of a processor that splits one record into n > 1 get ids derived from the input's id and
their position (runtime.core.record_identity), the same on every run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from runtime.core.record_identity import RECORD_ID, fanout_record_id
from runtime.core.telemetry import as_records, normalize_record, validate_device_id
from runtime.core.user_code import LOADERS, Loader, load_module

Process = Callable[[dict[str, Any]], Any]


def default_process(record: dict[str, Any]) -> dict[str, Any]:
    return record


DEFAULT_FOLDER = ".default"  # no device id starts with a dot


class ProcessorRunner:
    def __init__(self, bundle_dir: Path, loaders: Mapping[str, Loader] | None = None) -> None:
        self._bundle_dir = bundle_dir
        self._processors_dir = bundle_dir / "processors"
        self._loaders = {**LOADERS, **(loaders or {})}
        self._loaded: dict[str, Process] = {}

    def run(self, event: Any) -> list[dict[str, Any]]:
        """Process one record or a list; a processor may return a record or a list of records."""
        results = []
        for record in (normalize_record(raw) for raw in as_records(event)):
            outputs = as_records(self._processor(record["device_id"])(dict(record)))
            for index, item in enumerate(outputs):
                if not isinstance(item, Mapping):
                    raise TypeError(
                        f"the processor of {record['device_id']} returned {type(item).__name__}, not a record"
                    )
                record_id = record[RECORD_ID] if len(outputs) == 1 else fanout_record_id(record[RECORD_ID], index)
                results.append(normalize_record({**_keys(record), **item, RECORD_ID: record_id}))
        return results

    def run_and_send(self, event: Any, send: Callable[[list[dict[str, Any]]], Any]) -> list[dict[str, Any]]:
        """The processor's use case on every cloud: run, then hand the results (if any) to the persister."""
        records = self.run(event)
        if records:
            send(records)
        return records

    def _processor(self, device_id: str) -> Process:
        if device_id not in self._loaded:
            self._loaded[device_id] = self._load(validate_device_id(device_id))
        return self._loaded[device_id]

    def _load(self, device_id: str) -> Process:
        folder = self._processors_dir / device_id
        if not folder.is_dir():
            folder = self._processors_dir / DEFAULT_FOLDER
        for file, loader in self._loaders.items():
            path = folder / file
            if path.is_file():
                return loader(load_module(path, f"project_processor_{folder.name}", self._bundle_dir), path)
        return default_process


def _keys(record: Mapping[str, Any]) -> dict[str, Any]:
    """The input's key, kept when a processor's output leaves it out."""
    return {"device_id": record["device_id"], "timestamp": record["timestamp"]}
