"""Every AWS handler's environment starts here: JSON logs at LOG_LEVEL, problems collected."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from runtime.core import config, logs
from runtime.core.config import Environment
from runtime.core.logs import F
from twin_contract.functions import AWS, FunctionRole

SOURCE_CLOUD = AWS
# At DEBUG the SDK logs whole response bodies (botocore logs GetSecretValue's SecretString, i.e.
# the inter-cloud token): its loggers stay at INFO whatever LOG_LEVEL says (docs/design.md §5).
SDK_LOGGERS = ("boto3", "botocore", "s3transfer", "urllib3")


def handler_environment() -> Environment:
    """An Environment with the common LOG_LEVEL read and applied; the handler adds its own."""
    return config.function_environment(SOURCE_CLOUD, SDK_LOGGERS)


def project_bundle_dir(env: Environment) -> Path:
    """PROJECT_BUNDLE_DIR, by default the `project/` folder next to the handler code."""
    return config.project_bundle_dir(env, Path(os.environ.get("LAMBDA_TASK_ROOT", ".")) / "project")


def runs_as(role: FunctionRole) -> Callable[[F], F]:
    """A handler of `role` on this cloud: its log lines carry both (runtime.core.logs)."""
    return logs.runs_as(role, SOURCE_CLOUD)
