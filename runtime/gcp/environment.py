"""Every Google handler's environment starts here: JSON logs at LOG_LEVEL (Cloud Logging reads
JSON lines on stderr as structured entries), problems collected."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from runtime.core import config, logs
from runtime.core.config import Environment
from runtime.core.logs import F
from twin_contract.functions import GOOGLE, FunctionRole

SOURCE_CLOUD = GOOGLE
# The archive root (where main.py, runtime/ and project/ sit): two levels above this package.
BUNDLE_ROOT = Path(__file__).resolve().parent.parent.parent


def handler_environment() -> Environment:
    """An Environment with the common LOG_LEVEL read and applied; the handler adds its own."""
    return config.function_environment(SOURCE_CLOUD)


def project_bundle_dir(env: Environment) -> Path:
    """PROJECT_BUNDLE_DIR, by default the `project/` folder at the archive root."""
    return config.project_bundle_dir(env, BUNDLE_ROOT / "project")


def runs_as(role: FunctionRole) -> Callable[[F], F]:
    """A handler of `role` on this cloud: its log lines carry both (runtime.core.logs)."""
    return logs.runs_as(role, SOURCE_CLOUD)
