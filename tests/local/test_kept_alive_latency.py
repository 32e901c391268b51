"""A kept-alive request to a local server answers at once: the servers write an answer's headers
and body apart, and with Nagle's algorithm on the body waited for the caller's delayed ACK of
the headers, 40 ms a request (the twin stage's 5,000 dataReader reads took 100 s that way)."""

from __future__ import annotations

import ssl
import threading
import time

import pytest

from twin_ops.local import census
from twin_ops.local.function_host import KeptAlive, QuietHandler, _answer, _http_server, serve_tls
from twin_ops.local.http import LocalServer, Response
from twin_ops.local.tls import make_tls

CALLS = 15
DELAYED_ACK = 0.040  # Linux's shortest delayed ACK


def fastest_call(http: KeptAlive, url: str) -> float:
    """The fastest of CALLS kept-alive calls: with Nagle on, every one waits for the delayed ACK; without
    it, a busy machine slows some calls but not all of them (a median could cross the bar under load)."""
    http.call("POST", url, b"{}")  # connects (a new connection ACKs at once)
    took = []
    for _ in range(CALLS):
        started = time.perf_counter()
        status, _ = http.call("POST", url, b'{"device_id": "d"}', {"Content-Type": "application/json"})
        took.append(time.perf_counter() - started)
        assert status == 200
    return min(took)


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
        assert fastest_call(http, f"{server.url}/read") < DELAYED_ACK / 2
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
        assert fastest_call(http, url) < DELAYED_ACK / 2
    finally:
        server.shutdown()
        server.server_close()


def test_the_twins_reader_pages_are_read_on_one_kept_alive_connection(tls):
    """The Azure twin's reads (census.reader_items): every page on the connection the first one
    opened, no TLS handshake per read (1,000 devices: a fresh one each cost 300 handshakes at 300)."""
    pages = {None: ([{"timestamp": "t1"}, {"timestamp": "t2"}], "p2"), "p2": ([{"timestamp": "t3"}], "p3"), "p3": ([], None)}
    asked = []

    def read(request):
        query = request.json()
        asked.append((request.header("X-Inter-Cloud-Token"), query.get("next_token")))
        items, cursor = pages[query.get("next_token")]
        return Response(200, {"items": items, "next_token": cursor})

    server = LocalServer("reader", tls)
    server.route("POST", "/api/hot-reader", read)
    connections = []
    accept = server._server.process_request
    server._server.process_request = lambda request, address: (connections.append(address), accept(request, address))[1]
    server.start()
    try:
        http = KeptAlive(ssl.create_default_context(cafile=str(tls.ca_file)))
        query = {"device_id": "press-01", "properties": ["temperature"], "start_time": "a", "end_time": "b"}
        items = census.reader_items(http, f"{server.url}/api/hot-reader", "token-1", query)
        items += census.reader_items(http, f"{server.url}/api/hot-reader", "token-1", query)
    finally:
        server.stop()
    assert [item["timestamp"] for item in items] == ["t1", "t2", "t3"] * 2
    assert asked == [("token-1", None), ("token-1", "p2"), ("token-1", "p3")] * 2
    assert len(connections) == 1
