"""Every Azure handler's environment starts here: LOG_LEVEL applied, problems collected."""

from __future__ import annotations

import logging
from pathlib import Path

from runtime.core.config import Environment, one_of

SOURCE_CLOUD = "azure"
# The app root (/home/site/wwwroot): `runtime/` and `project/` sit side by side in the bundle.
APP_ROOT = Path(__file__).resolve().parents[2]


def handler_environment() -> Environment:
    env = Environment()
    logging.getLogger().setLevel(env.optional("LOG_LEVEL", "INFO", parse=one_of("DEBUG", "INFO")) or "INFO")
    return env


def project_bundle_dir(env: Environment) -> Path:
    return Path(env.optional("PROJECT_BUNDLE_DIR", str(APP_ROOT / "project")))
