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
from urllib.parse import unquote


DEVICE_MODEL = {  # a generated device model (twin_model/config/generated_dtdl.py) of the runtime tests' records
    "@id": "dtmi:digitaltwin:twin:device:s0a1b2c3d;1", "@type": "Interface", "@context": "dtmi:dtdl:context;3",
    "contents": [{"@type": "Property", "name": name, "schema": schema, "writable": True}
                 for name, schema in (("iotDeviceId", "string"), ("lastUpdate", "dateTime"), ("temperature", "double"))],
}


@dataclass
class FakeAzure:
    secrets: dict[str, str] = field(default_factory=dict)
    queues: dict[str, list[Any]] = field(default_factory=dict)
    patches: list[tuple[str, Any]] = field(default_factory=list)  # (path, body) of PATCH requests
    twins: dict[str, dict[str, Any]] = field(default_factory=dict)  # twin id → properties GET returns
    # model id → its DTDL (GET /models/{id}); every twin's model is DEVICE_MODEL unless `twins` says otherwise
    models: dict[str, dict[str, Any]] = field(default_factory=lambda: {DEVICE_MODEL["@id"]: DEVICE_MODEL})
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
                twin = re.match(r"/digitaltwins/([^?]+)\?", self.path)
                if twin:  # a twin as ADT returns it; `twins` holds what tests put there
                    metadata = {"$metadata": {"$model": DEVICE_MODEL["@id"]}}
                    return self._reply(200, {"$dtId": twin.group(1), "$etag": 'W/"1"', **metadata, **owner.twins.get(twin.group(1), {})})
                model = re.match(r"/models/([^?]+)\?(.*)", self.path)
                if model:
                    found = owner.models.get(unquote(model.group(1)))
                    if found is None:
                        return self._reply(404, {"error": {"code": "ModelNotFound"}})
                    definition = {"model": found} if "includeModelDefinition=true" in model.group(2) else {}
                    return self._reply(200, {"id": found["@id"], **definition})
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
