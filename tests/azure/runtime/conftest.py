"""Fixtures of the Azure runtime tests: handler modules loaded with their app settings, a fake
Azure data plane on 127.0.0.1, a fixed managed-identity token, fast bridge retries."""

from __future__ import annotations

import importlib
import sys
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from runtime.azure import bridge_clients, identity, keyvault
from runtime.core.http_client import RetryPolicy
from tests.azure.runtime.fake_azure import FakeAzure

TOKEN = "azure-test-token-0123456789"
VARIABLES = (
    "TWIN_NAME", "LOG_LEVEL", "KEY_VAULT_URI", "TARGET_QUEUE_URL", "REMOTE_URL", "REMOTE_TOKEN_SECRET",
    "INBOUND_TOKEN_SECRET", "PROCESSOR_QUEUE_URL", "PERSISTER_QUEUE_URL", "PROJECT_BUNDLE_DIR", "COSMOS_ENDPOINT",
    "COSMOS_DATABASE", "COSMOS_CONTAINER", "HOT_RETENTION_DAYS", "ADT_URL", "EVENT_CHECKER_QUEUE_URL",
    "EVENT_ACTIONS_QUEUE_URL", "WORKFLOW_URL_SECRET", "ACTION_TOKEN_SECRET", "FEEDBACK_QUEUE_URL",
    "IOT_HUB_HOST", "WRITER_TOKEN_SECRET", "COLD_CONTAINER_URL", "ARCHIVE_CONTAINER_URL",
    "COLD_RETENTION_DAYS", "UPDATER_TOKEN_SECRET", "REMOTE_LAST_ENTRY_URL", "DT_FUNCTIONS",
    "DEVICE_FEEDBACK_URL", "DEVICE_FEEDBACK_TOKEN_SECRET",
)
FAST_RETRIES = RetryPolicy(max_attempts=3, initial_delay=0.01, max_delay=0.05, deadline=3.0, timeout=2.0)


@pytest.fixture(autouse=True)
def azure_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    identity.use_provider(lambda resource: (f"mi-token-for-{resource}", time.time() + 3600))
    keyvault.clear_cache()
    monkeypatch.setattr(bridge_clients.BRIDGE_CLIENTS, "retry_policy", FAST_RETRIES)


@pytest.fixture
def fake_azure() -> FakeAzure:
    fake = FakeAzure(secrets={"inbound-token": TOKEN}).start()
    yield fake
    fake.stop()


@pytest.fixture
def load_function(monkeypatch: pytest.MonkeyPatch, fake_azure: FakeAzure) -> Callable[..., ModuleType]:
    """Import (or re-import) `runtime.azure.functions.<name>` with exactly the given app settings
    (plus KEY_VAULT_URI of the fake), as a cold start would."""

    def load(name: str, **variables: Any) -> ModuleType:
        for variable in VARIABLES:
            monkeypatch.delenv(variable, raising=False)
        monkeypatch.setenv("KEY_VAULT_URI", fake_azure.url)
        for variable, value in variables.items():
            monkeypatch.setenv(variable, str(value))
        module_name = f"runtime.azure.functions.{name}"
        if module_name in sys.modules:
            return importlib.reload(sys.modules[module_name])
        return importlib.import_module(module_name)

    return load
