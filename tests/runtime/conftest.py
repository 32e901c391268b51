"""Fixtures of the runtime tests: moto, handler modules loaded with their environment, an
in-process Lambda fake, and real HTTP servers on 127.0.0.1 standing in for other clouds."""

from __future__ import annotations

import importlib
import ssl
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from moto import mock_aws

from runtime.aws import bridge_clients, clients, secrets
from runtime.core.http_client import RetryPolicy
from tests.runtime.runtime_testing import (
    HOT_TABLE,
    REGION,
    TOKEN,
    TOKEN_SECRET_NAME,
    FakeLambda,
    LoopbackServer,
    RecordedRequest,
    Reply,
)

HANDLER_VARIABLES = (
    "TWIN_NAME",
    "LOG_LEVEL",
    "TARGET_FUNCTION_NAME",
    "PERSISTER_FUNCTION_NAME",
    "PROJECT_BUNDLE_DIR",
    "HOT_TABLE_NAME",
    "HOT_RETENTION_DAYS",
    "REMOTE_URL",
    "REMOTE_TOKEN_SECRET",
    "EVENT_CHECKER_FUNCTION_NAME",
    "ACTION_FUNCTION_PREFIX",
    "WORKFLOW_ARN",
    "FEEDBACK_FUNCTION_NAME",
    "INBOUND_TOKEN_SECRET",
    "COLD_BUCKET_NAME",
    "ARCHIVE_BUCKET_NAME",
    "PROCESSOR_FUNCTION_NAME",
    "LOCAL_READER_FUNCTION_NAME",
    "TWIN_UPDATE_URL",
    "TWIN_UPDATE_TOKEN_SECRET",
    "DEVICE_FEEDBACK_URL",
    "DEVICE_FEEDBACK_TOKEN_SECRET",
)
FAST_RETRIES = RetryPolicy(max_attempts=3, initial_delay=0.01, max_delay=0.05, deadline=3.0, timeout=2.0)


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake AWS credentials, no handler variables, tiny bridge backoffs, no cached secrets."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    for name in HANDLER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(bridge_clients.BRIDGE_CLIENTS, "retry_policy", FAST_RETRIES)
    secrets.CACHE.clear()


@pytest.fixture
def aws() -> Any:
    """moto for every AWS API; clients are recreated inside the mock."""
    caches = (clients.client, clients.dynamodb_table)  # captured before any test patches them
    with mock_aws():
        for cache in caches:
            cache.cache_clear()
        yield
        for cache in caches:
            cache.cache_clear()


@pytest.fixture
def hot_table(aws: Any) -> str:
    clients.client("dynamodb").create_table(
        TableName=HOT_TABLE,
        KeySchema=[
            {"AttributeName": "device_id", "KeyType": "HASH"},
            {"AttributeName": "timestamp", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "device_id", "AttributeType": "S"},
            {"AttributeName": "timestamp", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return HOT_TABLE


@pytest.fixture
def token_secret(aws: Any) -> str:
    clients.client("secretsmanager").create_secret(Name=TOKEN_SECRET_NAME, SecretString=TOKEN)
    return TOKEN_SECRET_NAME


@pytest.fixture
def load_handler(monkeypatch: pytest.MonkeyPatch) -> Callable[..., ModuleType]:
    """Import (or re-import) `runtime.aws.<name>` with exactly the given handler variables,
    as a cold start would: handlers read and validate their environment at import."""

    def load(name: str, **variables: Any) -> ModuleType:
        for variable in HANDLER_VARIABLES:
            monkeypatch.delenv(variable, raising=False)
        for variable, value in variables.items():
            monkeypatch.setenv(variable, str(value))
        module_name = f"runtime.aws.{name}"
        if module_name in sys.modules:
            return importlib.reload(sys.modules[module_name])
        return importlib.import_module(module_name)

    return load


@pytest.fixture
def fake_lambda(monkeypatch: pytest.MonkeyPatch, aws: Any) -> FakeLambda:
    fake, real = FakeLambda(), clients.client
    monkeypatch.setattr(clients, "client", lambda service: fake if service == "lambda" else real(service))
    return fake


@pytest.fixture
def serve() -> Callable[[Callable[[RecordedRequest], Reply]], LoopbackServer]:
    """Start loopback servers; all are stopped after the test."""
    servers: list[LoopbackServer] = []

    def start(respond: Callable[[RecordedRequest], Reply], tls: ssl.SSLContext | None = None) -> LoopbackServer:
        servers.append(LoopbackServer(respond, tls=tls).start())
        return servers[-1]

    yield start
    for server in servers:
        server.stop()
