"""L2: evaluate the project's event rules against stored records and start their actions.

Actions: `lambda` async-invokes `<ACTION_FUNCTION_PREFIX><functionName>` with
`{"rule", "record"}`; `step_function` starts WORKFLOW_ARN with
`{InputData, LambdaAArn, LambdaBArn}`; a rule's `feedback` goes to the feedback function
(when device feedback is enabled, i.e. FEEDBACK_FUNCTION_NAME is set).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from runtime.aws import clients
from runtime.aws.environment import handler_environment
from runtime.aws.lambda_invoke import invoke_async, sibling_function_arn
from runtime.core.events import EventRule, load_rules
from runtime.core.telemetry import as_records, normalize_record

logger = logging.getLogger(__name__)


def _read_rules(bundle_dir: Path) -> list[EventRule]:
    return load_rules(json.loads((bundle_dir / "config_events.json").read_text()))


_env = handler_environment()
PROJECT_BUNDLE_DIR = Path(_env.optional("PROJECT_BUNDLE_DIR", os.path.join(os.environ.get("LAMBDA_TASK_ROOT", ""), "project")))
ACTION_FUNCTION_PREFIX = _env.required("ACTION_FUNCTION_PREFIX")
WORKFLOW_ARN = _env.optional("WORKFLOW_ARN")
FEEDBACK_FUNCTION_NAME = _env.optional("FEEDBACK_FUNCTION_NAME")
RULES = _env.optional("PROJECT_BUNDLE_DIR", _read_rules(PROJECT_BUNDLE_DIR), parse=lambda _: _read_rules(PROJECT_BUNDLE_DIR))
_env.check()
