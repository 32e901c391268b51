"""L2: run the device's user processor over the records, then queue them for the persister."""

from __future__ import annotations

from typing import Any

import azure.functions as func

from runtime.azure.environment import handler_environment, project_bundle_dir
from runtime.azure.functions._shared import QUEUE_CONNECTION, message_json
from runtime.azure.queues import QueueClient
from runtime.azure.user_code import LOADERS
from runtime.core.processors import ProcessorRunner

_env = handler_environment()
PERSISTER_QUEUE_URL = _env.required("PERSISTER_QUEUE_URL")
PROJECT_BUNDLE_DIR = project_bundle_dir(_env)
_env.check()

bp = func.Blueprint()
_runner = ProcessorRunner(PROJECT_BUNDLE_DIR, LOADERS)  # also the predecessor's function_app.py


def process(message: func.QueueMessage) -> list[dict[str, Any]]:
    records = _runner.run(message_json(message))
    if records:
        QueueClient(PERSISTER_QUEUE_URL).send(records)
    return records


bp.function_name("processor")(
    bp.queue_trigger(arg_name="message", queue_name="processor", connection=QUEUE_CONNECTION)(process)
)
