"""Every handler's environment starts here: LOG_LEVEL applied, problems collected."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from runtime.core.config import Environment, one_of

SOURCE_CLOUD = "aws"
# At DEBUG the SDK logs whole response bodies (botocore logs GetSecretValue's SecretString, i.e.
# the inter-cloud token): its loggers stay at INFO whatever LOG_LEVEL says (DESIGN §5).
SDK_LOGGERS = ("boto3", "botocore", "s3transfer", "urllib3")


def handler_environment() -> Environment:
    """An Environment with the common LOG_LEVEL read and applied; the handler adds its own."""
    env = Environment()
    logging.getLogger().setLevel(env.optional("LOG_LEVEL", "INFO", parse=one_of("DEBUG", "INFO")) or "INFO")
    for name in SDK_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO)
    return env


def project_bundle_dir(env: Environment) -> Path:
    """PROJECT_BUNDLE_DIR, by default the `project/` folder next to the handler code."""
    default = Path(os.environ.get("LAMBDA_TASK_ROOT", ".")) / "project"
    return Path(env.optional("PROJECT_BUNDLE_DIR", default))
