from typing import Any

import pytest

from runtime.aws import clients, secrets


def test_secrets_are_cached_for_five_minutes(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    sm = clients.client("secretsmanager")
    sm.create_secret(Name="token", SecretString="v1")
    now = [1000.0]
    monkeypatch.setattr(secrets.time, "monotonic", lambda: now[0])
    assert secrets.get_secret("token") == "v1"
    sm.put_secret_value(SecretId="token", SecretString="v2")
    now[0] += 299
    assert secrets.get_secret("token") == "v1"
    now[0] += 2
    assert secrets.get_secret("token") == "v2"


def test_unknown_secrets_raise(aws: Any) -> None:
    with pytest.raises(clients.client("secretsmanager").exceptions.ResourceNotFoundException):
        secrets.get_secret("missing")
