import logging
import time
from typing import Any

import pytest

from runtime.aws import clients, environment, secrets


def test_secrets_are_cached_for_five_minutes(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    sm = clients.client("secretsmanager")
    sm.create_secret(Name="token", SecretString="v1")
    now = [1000.0]
    secrets.CACHE.clear()
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    assert secrets.get_secret("token") == "v1"
    sm.put_secret_value(SecretId="token", SecretString="v2")
    now[0] += 299
    assert secrets.get_secret("token") == "v1"
    now[0] += 2
    assert secrets.get_secret("token") == "v2"


def test_unknown_secrets_raise(aws: Any) -> None:
    with pytest.raises(clients.client("secretsmanager").exceptions.ResourceNotFoundException):
        secrets.get_secret("missing")


@pytest.fixture
def restored_log_levels() -> Any:
    names = ("", "boto3", "botocore", "s3transfer", "urllib3")
    saved = {name: logging.getLogger(name).level for name in names}
    yield
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


def test_a_debug_log_level_never_logs_the_token(
    aws: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, restored_log_levels: Any
) -> None:
    """Twins in DEBUG mode set LOG_LEVEL=DEBUG; botocore would log GetSecretValue's body there."""
    clients.client("secretsmanager").create_secret(Name="token", SecretString="the-token-value-42")
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    environment.handler_environment()
    assert logging.getLogger().getEffectiveLevel() == logging.DEBUG  # the handlers' own DEBUG logs stay on
    with caplog.at_level(logging.DEBUG, logger="runtime"):
        assert secrets.get_secret("token") == "the-token-value-42"
    assert "the-token-value-42" not in caplog.text
