"""User processors: `project/processors/<device_id>/process.py` defines `process(record) -> record`.

Modules are loaded by path once per device and cached for the life of the function instance.
A device without a processor gets the default, which returns the record unchanged. Exceptions
from user code propagate, so the platform's retries and dead-letter path apply.

Record ids belong to the twin, not to user code: a single output keeps its input's id, and the
outputs of a processor that splits one record into n > 1 get ids derived from the input's id and
their position (runtime.core.record_identity), the same on every run.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from runtime.core.record_identity import RECORD_ID, fanout_record_id
from runtime.core.telemetry import as_records, normalize_record, validate_device_id

Process = Callable[[dict[str, Any]], Any]


def default_process(record: dict[str, Any]) -> dict[str, Any]:
    return record


class ProcessorRunner:
    def __init__(self, bundle_dir: Path) -> None:
        self._processors_dir = bundle_dir / "processors"
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
        path = self._processors_dir / device_id / "process.py"
        if not path.is_file():
            return default_process
        spec = importlib.util.spec_from_file_location(f"project_processor_{device_id}", path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {path}")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.process


def _keys(record: Mapping[str, Any]) -> dict[str, Any]:
    """The input's key, kept when a processor's output leaves it out."""
    return {"device_id": record["device_id"], "timestamp": record["timestamp"]}
