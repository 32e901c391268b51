"""L2: run each device's user processor over the records, then call the persister."""

from __future__ import annotations

from typing import Any

from runtime.core.http_client import validate_url
from runtime.core.processors import ProcessorRunner
from runtime.gcp import internal
from runtime.gcp.environment import handler_environment, project_bundle_dir
from runtime.gcp.http_io import internal as serve_internal

_env = handler_environment()
PERSISTER_URL = _env.required("PERSISTER_URL", parse=validate_url)
PROJECT_BUNDLE_DIR = project_bundle_dir(_env)
_env.check()

_runner = ProcessorRunner(PROJECT_BUNDLE_DIR)


def process(event: Any) -> dict[str, int]:
    records = _runner.run(event)
    if records:
        internal.call(PERSISTER_URL, records)
    return {"count": len(records)}


def handler(request: Any) -> tuple[str, int, dict[str, str]]:
    return serve_internal(request, process)
