"""L2: run each device's user processor over the records, then call the persister."""

from __future__ import annotations

from typing import Any

from runtime.core.http_client import validate_url
from runtime.core.processors import ProcessorRunner
from runtime.gcp import internal
from runtime.gcp.environment import handler_environment, project_bundle_dir
from runtime.gcp.http_io import internal as serve_internal
from twin_contract import functions as s

_env = handler_environment()
PERSISTER_URL = _env.required(s.PERSISTER_URL, parse=validate_url)
PROJECT_BUNDLE_DIR = project_bundle_dir(_env)
_env.check()

_runner = ProcessorRunner(PROJECT_BUNDLE_DIR)


def process(event: Any) -> dict[str, int]:
    return {"count": len(_runner.run_and_send(event, lambda records: internal.call(PERSISTER_URL, records)))}


def handler(request: Any) -> tuple[str, int, dict[str, str]]:
    return serve_internal(request, process)
