"""Test doubles and constants of the runtime tests (imported by conftest.py and test modules)."""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import ssl
import json
import threading
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

REGION = "us-east-1"
ACCOUNT = "123456789012"
TOKEN = "test-token-0123456789"
TOKEN_SECRET_NAME = "twin/inter-cloud/test/token"
HOT_TABLE = "twin-hot"


@dataclass
class LambdaContext:
    function_name: str

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.function_name}"


class InvokePayload(io.BytesIO):
    """An invoke response's Payload that knows whether it was read to its end."""

    drained = False

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.drained = self.drained or self.tell() == len(self.getbuffer())
        return data


class FakeLambda:
    """The Lambda API at the boto3 boundary: invokes of routed functions run in-process."""

    def __init__(self) -> None:
        self.routes: dict[str, Callable[..., Any]] = {}
        self.calls: list[tuple[str, str, Any]] = []
        self.payloads: list[InvokePayload] = []

    def invoke(self, FunctionName: str, InvocationType: str, Payload: bytes) -> dict[str, Any]:
        event = json.loads(Payload)
        self.calls.append((FunctionName, InvocationType, event))
        handler = self.routes.get(FunctionName)
        result = handler(event, LambdaContext(FunctionName)) if handler else None
        # Lambda answers every invoke with a Payload stream (empty for Event): unread, botocore keeps
        # its connection out of the pool, so every invoke would open a new one.
        payload = InvokePayload(b"" if InvocationType == "Event" else json.dumps(result).encode())
        self.payloads.append(payload)
        return {"StatusCode": 202 if InvocationType == "Event" else 200, "Payload": payload}

    def unread_payloads(self) -> int:
        return sum(not payload.drained for payload in self.payloads)

    def events_for(self, function_name: str) -> list[Any]:
        return [event for name, _, event in self.calls if name == function_name]


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: bytes


Reply = tuple[int, dict[str, str], bytes]
# A responder returning None drops the connection without answering (a network failure).


@dataclass
class LoopbackServer:
    """A threaded HTTP/1.1 server on 127.0.0.1; `respond` answers every POST."""

    respond: Callable[[RecordedRequest], Reply | None]
    requests: list[RecordedRequest] = field(default_factory=list)
    close_after_reply: bool = False  # drop the connection silently after each reply
    tls: ssl.SSLContext | None = None  # serve HTTPS with this server context

    def start(self) -> LoopbackServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                request = RecordedRequest(self.path, dict(self.headers.items()), body)
                owner.requests.append(request)
                reply = owner.respond(request)
                if reply is None:
                    self.close_connection = True
                    return
                status, headers, payload = reply
                self.send_response(status)
                for name, value in {"Content-Length": str(len(payload)), **headers}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
                self.close_connection = owner.close_after_reply

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if self.tls is not None:
            self._server.socket = self.tls.wrap_socket(self._server.socket, server_side=True)
        threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True).start()
        return self

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self._server.server_address[1]}/"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def function_url_event(
    body: bytes, headers: dict[str, str], path: str = "/", base64_encoded: bool = True
) -> dict[str, Any]:
    """A Lambda Function URL event (payload format 2.0) for a POST."""
    path, _, query = path.partition("?")
    return {
        "version": "2.0",
        "rawPath": path,
        "rawQueryString": query,
        "headers": {key.lower(): value for key, value in headers.items()},
        "requestContext": {"http": {"method": "POST", "path": path}},
        "body": base64.b64encode(body).decode() if base64_encoded else body.decode(),
        "isBase64Encoded": base64_encoded,
    }


def function_url(handler: Callable[..., dict[str, Any]], name: str = "receiver") -> Callable[[RecordedRequest], Reply]:
    """Serve a Lambda handler as its Function URL would: HTTP request → payload 2.0 event."""

    def respond(request: RecordedRequest) -> Reply:
        result = handler(function_url_event(request.body, request.headers, request.path), LambdaContext(name))
        return result["statusCode"], result.get("headers", {}), result["body"].encode()

    return respond


def json_reply(status: int, body: Any, **headers: str) -> Reply:
    return status, {"Content-Type": "application/json", **headers}, json.dumps(body).encode()


def twinmaker_request(device_id: str = "d1", types: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    """A TwinMaker connector request for `types` ({property: dataType}) of one device's component."""
    types = types or {"temperature": "DOUBLE"}
    properties = {
        name: {"definition": {"dataType": {"type": kind}, "isTimeSeries": True}} for name, kind in types.items()
    }
    properties["iotDeviceId"] = {"definition": {"dataType": {"type": "STRING"}}, "value": {"stringValue": device_id}}
    return {
        "workspaceId": "twin-ws",
        "entityId": "room-1",
        "componentName": "sensor",
        "selectedProperties": list(types),
        "properties": properties,
        **extra,
    }


def history_request(device_id: str = "d1", types: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    """A `dataReader` request over all of 2026-01-01."""
    window = {"startTime": "2026-01-01T00:00:00Z", "endTime": "2026-01-01T23:59:59Z"}
    return twinmaker_request(device_id, types, **{**window, **extra})


# docs/runtime-contract.md "Record identity": ids are uuid5(<this namespace>, <name>) as 32 hex digits.
RECORD_ID_NAMESPACE = uuid.UUID("1cb9fecd-413c-4951-a5f3-8620f77205c5")


def contract_id(name: str) -> str:
    """The record id the contract gives to `name` (e.g. "aws:<ingress id>", "<trace id>:<index>")."""
    return uuid.uuid5(RECORD_ID_NAMESPACE, name).hex


def record_id(*parts: object) -> str:
    """A fixed, valid record id for test data (32 hex digits, any will do)."""
    return f"{zlib.crc32(repr(parts).encode()):08x}" * 4


def record(device_id: str = "d1", second: int = 0, **values: Any) -> dict[str, Any]:
    """A canonical record at 2026-01-01T10:00:<second>, with a record id of its own."""
    stamp = f"2026-01-01T10:00:{second:02d}.000Z"
    return {"device_id": device_id, "timestamp": stamp, "record_id": record_id(device_id, stamp), **values}


def cold_object_key(records: list[dict[str, Any]]) -> str:
    """The object key the contract gives a mover payload of `records` (one device and day, in
    time order): `<device>/<yyyy>/<mm>/<dd>/<start>_<end>_<n>_<digest>.json`, the digest being the
    first 16 hex digits of SHA-256 over the record ids joined by `,`."""

    def compact(stamp: str) -> str:
        return stamp.replace("-", "").replace(":", "").replace(".", "")

    first, last = records[0]["timestamp"], records[-1]["timestamp"]
    digest = hashlib.sha256(",".join(r["record_id"] for r in records).encode()).hexdigest()[:16]
    day = first[:10].replace("-", "/")
    return f"{records[0]['device_id']}/{day}/{compact(first)}_{compact(last)}_{len(records)}_{digest}.json"


class JsonLogLines(logging.Handler):
    """The JSON lines the runtime's formatter writes, captured from the root logger."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        from runtime.core.logs import JsonFormatter

        self.setFormatter(JsonFormatter("unset"))  # each handler's context names its own cloud
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))

    def __enter__(self) -> JsonLogLines:
        root = logging.getLogger()
        self._level = root.level
        root.addHandler(self)
        root.setLevel(logging.INFO)
        return self

    def __exit__(self, *exc: Any) -> None:
        root = logging.getLogger()
        root.removeHandler(self)
        root.setLevel(self._level)

    def where(self, **fields: Any) -> list[dict[str, Any]]:
        return [line for line in self.lines if all(line.get(k) == v for k, v in fields.items())]
