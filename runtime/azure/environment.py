"""Every Azure handler's environment starts here: JSON logs at LOG_LEVEL, problems collected."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from runtime.core import config, logs
from runtime.core.config import Environment
from runtime.core.logs import F
from twin_contract.functions import AZURE, FunctionRole

SOURCE_CLOUD = AZURE
# The app root (/home/site/wwwroot): `runtime/` and `project/` sit side by side in the bundle.
APP_ROOT = Path(__file__).resolve().parents[2]


def handler_environment() -> Environment:
    return config.function_environment(SOURCE_CLOUD)


def project_bundle_dir(env: Environment) -> Path:
    return config.project_bundle_dir(env, APP_ROOT / "project")


def runs_as(role: FunctionRole) -> Callable[[F], F]:
    """A handler of `role` on this cloud: its log lines carry both (runtime.core.logs)."""
    return logs.runs_as(role, SOURCE_CLOUD)
