"""L2: run the device's user processor over the records, then queue them for the persister."""

from __future__ import annotations

from typing import Any

import azure.functions as func

from runtime.azure.environment import handler_environment, project_bundle_dir
from runtime.azure.functions._shared import message_json, on_queue
from runtime.azure.queues import QueueClient
from runtime.azure.user_code import LOADERS
from runtime.core.processors import ProcessorRunner
from twin_contract import functions as s
from twin_contract.azure_names import PROCESSOR_QUEUE

_env = handler_environment()
PERSISTER_QUEUE_URL = _env.required(s.PERSISTER_QUEUE_URL)
PROJECT_BUNDLE_DIR = project_bundle_dir(_env)
_env.check()

bp = func.Blueprint()
_runner = ProcessorRunner(PROJECT_BUNDLE_DIR, LOADERS)  # also the predecessor's function_app.py


@on_queue(bp, s.PROCESSOR, PROCESSOR_QUEUE)
def process(message: func.QueueMessage) -> list[dict[str, Any]]:
    return _runner.run_and_send(message_json(message), QueueClient(PERSISTER_QUEUE_URL).send)
