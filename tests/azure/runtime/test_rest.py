"""The Azure data-plane HTTP helper: bearer tokens and secrets travel over HTTPS only."""

from __future__ import annotations

import json
from typing import Any

import pytest

from runtime.azure import identity, rest


class RecordingConnection:
    """http.client's connection at the socket boundary: records where it would connect."""

    opened: list[tuple[str, str, int | None]] = []

    def __init__(self, kind: str, host: str, port: int | None = None, timeout: float | None = None) -> None:
        RecordingConnection.opened.append((kind, host, port))

    def request(self, method: str, target: str, body: Any = None, headers: Any = None) -> None:
        self.target = target

    def getresponse(self) -> Any:
        class Answer:
            status = 200

            @staticmethod
            def read() -> bytes:
                return json.dumps({"access_token": "mi-token", "expires_on": "4102444800"}).encode()

            @staticmethod
            def getheaders() -> list[tuple[str, str]]:
                return []

        return Answer()

    def close(self) -> None:
        pass


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, int | None]]:
    RecordingConnection.opened = []
    monkeypatch.setattr(rest.http.client, "HTTPConnection", lambda *a, **k: RecordingConnection("http", *a, **k))
    monkeypatch.setattr(rest.http.client, "HTTPSConnection", lambda *a, **k: RecordingConnection("https", *a, **k))
    return RecordingConnection.opened


@pytest.mark.parametrize(
    "url", ["http://myvault.vault.azure.net/secrets/t", "http://10.0.0.4/devices/d1", "ftp://x.example/"]
)
def test_bearer_calls_refuse_anything_but_https_beyond_loopback(connections, url):
    with pytest.raises(ValueError, match="https"):
        rest.checked("GET", url, {"Authorization": "Bearer secret-token"})
    assert connections == []  # refused before a connection (and the token) left the process


@pytest.mark.parametrize(
    "url", ["https://myvault.vault.azure.net/secrets/t", "http://127.0.0.1:8080/x", "http://localhost/x"]
)
def test_https_and_loopback_are_allowed(connections, url):
    assert rest.checked("GET", url)[0] == 200
    assert len(connections) == 1


def test_the_managed_identity_endpoint_is_the_one_plain_http_exception(connections, monkeypatch):
    """The platform serves IDENTITY_ENDPOINT over plain http inside the sandbox (not always loopback)."""
    monkeypatch.setenv("IDENTITY_ENDPOINT", "http://169.254.129.2:8081/msi/token")
    monkeypatch.setenv("IDENTITY_HEADER", "platform-header")
    assert identity.managed_identity_token(identity.KEY_VAULT)[0] == "mi-token"
    assert connections == [("http", "169.254.129.2", 8081)]


class _KeepAliveServer:
    """A plain-HTTP keep-alive server on loopback that closes a connection idle for `idle` seconds
    (as Azurite and the Functions front end do), counting the connections it accepted."""

    def __init__(self, idle: float) -> None:
        import http.server
        import threading

        server_self = self
        self.connections = 0

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = idle

            def setup(self) -> None:
                server_self.connections += 1
                super().setup()

            def do_GET(self) -> None:  # noqa: N802
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/x"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_calls_keep_one_connection_alive_and_reopen_one_the_server_closed():
    import time

    server = _KeepAliveServer(idle=0.3)
    try:
        for _ in range(3):
            assert rest.checked("GET", server.url)[0] == 200
        assert server.connections == 1  # one handshake for a busy function, not one per call
        time.sleep(0.8)  # the server closes the idle connection
        assert rest.checked("GET", server.url)[0] == 200  # sent again on a new connection, no error
        assert server.connections == 2
    finally:
        server.close()
