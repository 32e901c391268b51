"""Every Azure handler's environment starts here: JSON logs at LOG_LEVEL, problems collected."""

from __future__ import annotations

from pathlib import Path

from runtime.core import config
from runtime.core.config import Environment
from twin_contract.functions import AZURE

SOURCE_CLOUD = AZURE
# The app root (/home/site/wwwroot): `runtime/` and `project/` sit side by side in the bundle.
APP_ROOT = Path(__file__).resolve().parents[2]


def handler_environment() -> Environment:
    return config.function_environment(SOURCE_CLOUD)


def project_bundle_dir(env: Environment) -> Path:
    return config.project_bundle_dir(env, APP_ROOT / "project")
