"""Every Google handler's environment starts here: LOG_LEVEL applied, problems collected."""

from __future__ import annotations

import logging
from pathlib import Path

from runtime.core.config import Environment, one_of

SOURCE_CLOUD = "google"
# The archive root (where main.py, runtime/ and project/ sit): two levels above this package.
BUNDLE_ROOT = Path(__file__).resolve().parent.parent.parent


def handler_environment() -> Environment:
    """An Environment with the common LOG_LEVEL read and applied; the handler adds its own."""
    env = Environment()
    level = env.optional("LOG_LEVEL", "INFO", parse=one_of("DEBUG", "INFO")) or "INFO"
    logging.basicConfig(level=level)
    logging.getLogger().setLevel(level)
    return env


def project_bundle_dir(env: Environment) -> Path:
    """PROJECT_BUNDLE_DIR, by default the `project/` folder at the archive root."""
    return Path(env.optional("PROJECT_BUNDLE_DIR", BUNDLE_ROOT / "project"))
