"""A loopback stand-in for the Azure data planes the functions call: Key Vault secrets, Storage
queues, Digital Twins and IoT Hub twins, recording every request (one HTTP server, routed by path)."""

from __future__ import annotations

import base64
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class FakeAzure:
    secrets: dict[str, str] = field(default_factory=dict)
    queues: dict[str, list[Any]] = field(default_factory=dict)
    patches: list[tuple[str, Any]] = field(default_factory=list)  # (path, body) of PATCH requests
    devices: set[str] | None = None  # IoT Hub: the registered devices (None: any twin exists)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    def start(self) -> FakeAzure:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def _reply(self, status: int, body: Any = None) -> None:
                payload = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(payload)

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length", 0)))

            def do_GET(self) -> None:  # noqa: N802
                owner.requests.append(("GET", self.path, dict(self.headers)))
                match = re.match(r"/secrets/([^?]+)\?", self.path)
                if match and match.group(1) in owner.secrets:
                    return self._reply(200, {"value": owner.secrets[match.group(1)]})
                return self._reply(404, {"error": {"code": "SecretNotFound"}})

            def do_POST(self) -> None:  # noqa: N802
                body = self._body()
                owner.requests.append(("POST", self.path, dict(self.headers)))
                match = re.match(r"/([\w-]+)/messages$", self.path)
                if not match:
                    return self._reply(404)
                text = re.search(rb"<MessageText>(.*)</MessageText>", body).group(1)
                owner.queues.setdefault(match.group(1), []).append(json.loads(base64.b64decode(text)))
                return self._reply(201)

            def do_PATCH(self) -> None:  # noqa: N802
                body = self._body()
                owner.requests.append(("PATCH", self.path, dict(self.headers)))
                twin = re.match(r"/twins/([^?]+)\?", self.path)
                if twin and owner.devices is not None and twin.group(1) not in owner.devices:
                    return self._reply(404, {"Message": "DeviceNotFound", "ExceptionMessage": ""})
                owner.patches.append((self.path, json.loads(body)))
                return self._reply(200, {})

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True).start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def queue_url(self, name: str) -> str:
        return f"{self.url}/{name}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
