"""L2: run the device's user processor over the records, then async-invoke the persister."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from runtime.aws.environment import handler_environment
from runtime.aws.lambda_invoke import invoke_async
from runtime.core.processors import ProcessorRunner

_env = handler_environment()
PERSISTER_FUNCTION_NAME = _env.required("PERSISTER_FUNCTION_NAME")
PROJECT_BUNDLE_DIR = Path(_env.optional("PROJECT_BUNDLE_DIR", os.path.join(os.environ.get("LAMBDA_TASK_ROOT", ""), "project")))
_env.check()

_runner = ProcessorRunner(PROJECT_BUNDLE_DIR)


def handler(event: Any, context: Any = None) -> list[dict[str, Any]]:
    records = _runner.run(event)
    if records:
        invoke_async(PERSISTER_FUNCTION_NAME, records)
    return records
