"""Fixtures of the Google tests: Terraform synth per project variant (cached for the session)."""

from __future__ import annotations

import pytest

from tests.gcp.synth import TerraformSynth, synth_variant


@pytest.fixture(scope="session")
def gcp_synth(tmp_path_factory):
    """gcp_synth(variant) -> TerraformSynth (variants in tests.gcp.synth.VARIANTS)."""

    def run(name: str = "example") -> TerraformSynth:
        return synth_variant(name, tmp_path_factory)

    return run


# -- runtime fixtures ---------------------------------------------------------------------------

import os  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402

from tests.gcp.fake_firestore import FakeFirestore  # noqa: E402
from tests.gcp.gcp_runtime import (  # noqa: E402
    FAST_RETRIES, HANDLER_VARIABLES, TOKEN, TOKEN_SECRET, FakePublisher, FakeSecretManager, FunctionServer,
)
from twin_ops.local.services import free_port  # noqa: E402


@pytest.fixture
def gcp_runtime(monkeypatch: pytest.MonkeyPatch):
    """Fake Secret Manager (TOKEN under TOKEN_SECRET), Firestore, Pub/Sub and ID tokens."""
    from google.cloud.firestore_v1 import base_query  # noqa: F401  (its first import takes seconds on a busy machine:
    # not inside a served request, whose client gives up after FAST_RETRIES' timeout)

    from runtime.gcp import bridge_clients, clients, identity, secrets

    state = type("GcpFakes", (), {})()
    state.firestore = FakeFirestore()
    state.publisher = FakePublisher()
    state.secret_manager = FakeSecretManager({TOKEN_SECRET: TOKEN})
    for name in HANDLER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(clients, "firestore", lambda database: state.firestore)
    monkeypatch.setattr(clients, "publisher", lambda: state.publisher)
    monkeypatch.setattr(clients, "secret_manager", lambda: state.secret_manager)
    monkeypatch.setattr(identity, "fetch_id_token", lambda audience: f"id-token-for-{audience}")
    monkeypatch.setattr(identity, "_id_tokens", {})
    secrets.CACHE.clear()
    monkeypatch.setattr(bridge_clients.BRIDGE_CLIENTS, "retry_policy", FAST_RETRIES)
    return state


@pytest.fixture
def serve_function(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., FunctionServer]]:
    """serve_function(target, signature_type="http", **environment) -> FunctionServer (stopped after the test)."""
    servers: list[FunctionServer] = []

    def start(target: str, signature_type: str = "http", **environment: object) -> FunctionServer:
        for name, value in {"TWIN_NAME": "twin", "LOG_LEVEL": "INFO", **environment}.items():
            monkeypatch.setenv(name, str(value))
        servers.append(FunctionServer(target, signature_type))
        for name in environment:
            monkeypatch.delenv(name, raising=False)
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def storage_emulator(monkeypatch: pytest.MonkeyPatch):
    """gcp-storage-emulator on 127.0.0.1 with google-cloud-storage pointed at it; yields the client."""
    from gcp_storage_emulator.server import create_server
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    from runtime.gcp import clients

    port = free_port()
    server = create_server("127.0.0.1", port, in_memory=True)
    server.start()
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", f"http://127.0.0.1:{port}")
    client = storage.Client(project="twin-project", credentials=AnonymousCredentials())
    monkeypatch.setattr(clients, "storage", lambda: client)
    try:
        yield client
    finally:
        server.stop()
        os.environ.pop("STORAGE_EMULATOR_HOST", None)
