"""A small routed HTTP(S) server on 127.0.0.1 for the runner's own endpoints and stand-ins."""

from __future__ import annotations

import json
import re
import sys
import threading
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from twin_ops.local.function_host import READ_TIMEOUT, refusal, request_body, serve_tls
from twin_ops.local.tls import LocalTls


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: Mapping[str, str]
    body: bytes
    params: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.headers.items() if key.lower() == wanted), None)

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass(frozen=True)
class Response:
    status: int = 200
    body: Any = b""
    headers: Mapping[str, str] = field(default_factory=dict)

    def encoded(self) -> tuple[bytes, str]:
        if isinstance(self.body, bytes):
            return self.body, self.headers.get("Content-Type", "application/octet-stream")
        if isinstance(self.body, str):
            return self.body.encode(), self.headers.get("Content-Type", "text/plain")
        return json.dumps(self.body).encode(), "application/json"


Handler = Callable[[Request], Response]


MAX_BODY = 6 * 1024 * 1024  # Lambda's request payload limit (Function URLs and the Invoke API)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver listens with a backlog of 5: a burst of callers (every receiver of a run reading
    # its token secret at once) overflowed it and some got "connection reset by peer". The runner
    # hands the function hosts sockets listening with 128 too (services.listening_socket).
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up before its answer (a timed-out or stopped caller) is its business,
        as for a real endpoint: no traceback on the run's output. Anything else is printed."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class LocalServer:
    """Routes `METHOD /path/{name}` patterns to handlers; `tls` serves HTTPS with the local CA's certificate."""

    def __init__(self, name: str, tls: LocalTls | None = None, port: int = 0, max_body: int = MAX_BODY) -> None:
        self.name, self._tls, self._routes = name, tls, []
        routes = self._routes

        class Dispatch(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = READ_TIMEOUT
            disable_nagle_algorithm = True  # no delayed-ACK wait on kept-alive answers (function_host.QuietHandler)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                status, body = request_body(self.headers, self.rfile, max_body)
                if isinstance(body, str):
                    self.close_connection = True
                    return self._send(Response(status, refusal(status, body), {"Content-Type": "application/json"}))
                response = Response(404, {"error": {"code": "not_found", "message": f"{name}: no route {parts.path}"}})
                for method, pattern, handler in routes:
                    match = pattern.fullmatch(parts.path)
                    if match and method in (self.command, "*"):
                        request = Request(
                            self.command, parts.path, dict(parse_qsl(parts.query, keep_blank_values=True)),
                            dict(self.headers.items()), body, {k: unquote(v) for k, v in match.groupdict().items()},
                        )
                        try:
                            response = handler(request)
                        except Exception as exc:  # a stand-in's own failure: a 500, logged
                            traceback.print_exc()
                            response = Response(500, {"error": {"code": "internal_error", "message": f"{type(exc).__name__}: {exc}"}})
                        break
                self._send(response)

            def _send(self, response: Response) -> None:
                payload, content_type = response.encoded()
                self.send_response(response.status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                for key, value in response.headers.items():
                    if key.lower() != "content-type":
                        self.send_header(key, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve  # noqa: N815

        self._server = _Server(("127.0.0.1", port), Dispatch)
        if tls is not None:
            serve_tls(self._server, str(tls.cert_file), str(tls.key_file))
        # A short poll interval: stop() waits up to one interval, for each of a run's servers.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"local-{name}", daemon=True)

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        regex = re.sub(r"\{(\w+)\}", lambda m: f"(?P<{m.group(1)}>[^/]+)", pattern)
        regex = regex.replace("{path*}", "(?P<path>.*)")
        self._routes.append((method, re.compile(regex), handler))

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{'https' if self._tls else 'http'}://{self.address}"

    def start(self) -> "LocalServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():  # shutdown() waits for serve_forever, which must have started
            self._server.shutdown()
        self._server.server_close()
