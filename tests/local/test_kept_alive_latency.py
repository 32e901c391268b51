"""A kept-alive request to a local server answers at once: the servers write an answer's headers
and body apart, and with Nagle's algorithm on the body waited for the caller's delayed ACK of
the headers, 40 ms a request (the twin stage's 5,000 dataReader reads took 100 s that way)."""

from __future__ import annotations

import ssl
import statistics
import threading
import time

import pytest

from twin_ops.local.function_host import KeptAlive, QuietHandler, _answer, _http_server, serve_tls
from twin_ops.local.http import LocalServer, Response
from twin_ops.local.tls import make_tls

CALLS = 15
DELAYED_ACK = 0.040  # Linux's shortest delayed ACK


def median_call(http: KeptAlive, url: str) -> float:
    http.call("POST", url, b"{}")  # connects (a new connection ACKs at once)
    took = []
    for _ in range(CALLS):
        started = time.perf_counter()
        status, _ = http.call("POST", url, b'{"device_id": "d"}', {"Content-Type": "application/json"})
        took.append(time.perf_counter() - started)
        assert status == 200
    return statistics.median(took)


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    return make_tls(tmp_path_factory.mktemp("tls"), [])


@pytest.mark.parametrize("secure", [False, True])
def test_a_stand_in_answers_a_kept_alive_request_without_waiting_for_an_ack(tls, secure):
    server = LocalServer("latency", tls if secure else None)
    server.route("POST", "/read", lambda request: Response(200, {"items": [{"timestamp": "t"}] * 20}))
    server.start()
    try:
        http = KeptAlive(ssl.create_default_context(cafile=str(tls.ca_file)) if secure else None)
        assert median_call(http, f"{server.url}/read") < DELAYED_ACK / 2
    finally:
        server.stop()


@pytest.mark.parametrize("secure", [False, True])
def test_a_function_host_answers_a_kept_alive_request_without_waiting_for_an_ack(tls, secure):
    class Invoke(QuietHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers["Content-Length"]))
            _answer(self, 200, b'{"ok": true, "result": {"propertyValues": []}}')

    server = _http_server({}, Invoke)
    if secure:
        serve_tls(server, str(tls.cert_file), str(tls.key_file))
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        http = KeptAlive(ssl.create_default_context(cafile=str(tls.ca_file)) if secure else None)
        url = f"{'https' if secure else 'http'}://127.0.0.1:{server.server_address[1]}/invoke"
        assert median_call(http, url) < DELAYED_ACK / 2
    finally:
        server.shutdown()
        server.server_close()
