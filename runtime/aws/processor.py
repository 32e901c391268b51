"""L2: run the device's user processor over the records, then async-invoke the persister."""

from __future__ import annotations

from typing import Any

from runtime.aws.environment import handler_environment, project_bundle_dir, runs_as
from runtime.aws.lambda_invoke import invoke_async
from runtime.core.processors import ProcessorRunner
from twin_contract.functions import PERSISTER_FUNCTION_NAME as PERSISTER_SETTING, PROCESSOR

_env = handler_environment()
PERSISTER_FUNCTION_NAME = _env.required(PERSISTER_SETTING)
PROJECT_BUNDLE_DIR = project_bundle_dir(_env)
_env.check()

_runner = ProcessorRunner(PROJECT_BUNDLE_DIR)


@runs_as(PROCESSOR)
def handler(event: Any, context: Any = None) -> list[dict[str, Any]]:
    return _runner.run_and_send(event, lambda records: invoke_async(PERSISTER_FUNCTION_NAME, records))
