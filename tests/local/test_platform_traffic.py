"""What the local platform itself sends while records flow (twin_ops/local/function_host.py): each
request it makes is one the runner or a Function App must serve, on the same two cores as the twin.

- a host's invocation reports go to the runner in batches (`REPORT_INTERVAL`), not one request
  every few records;
- events (an S3 write the runner replicates) go at once, and the runner's reaction is in flight;
- `KeptAlive` shares its idle connections between threads: a caller whose every call runs on a new
  thread (a Logic App execution's Http actions) reuses them instead of a TCP and TLS handshake each.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from twin_ops.local.function_host import KeptAlive, Reporter
from twin_ops.local.http import LocalServer, Response
from twin_ops.local.ledger import Ledger


def test_a_host_sends_the_reports_of_a_fifth_of_a_second_in_one_request():
    batches: list[list[dict]] = []
    server = LocalServer("control")
    server.route("POST", "/report", lambda request: (batches.append(request.json()), Response(200, {}))[1])
    server.start()
    try:
        reporter = Reporter(f"{server.url}/report", "stack/function")
        for number in range(10):  # one report every 20 ms, as a busy host makes them
            reporter.report("function", True, number)
            time.sleep(0.02)
        deadline = time.monotonic() + 10
        while sum(len(batch) for batch in batches) < 10 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        server.stop()
    assert [report["result"] for batch in batches for report in batch] == list(range(10))  # every one, in order
    assert len(batches) <= 2  # at 0.05 s a batch, these made five requests or more


def test_an_event_reaches_the_runner_without_waiting_for_a_batch(monkeypatch):
    """The runner acts on an event (S3 replication); an event held for a batch arrived after the
    run had settled and the object's lifecycle expiry had deleted it (NoSuchKey on the copy)."""
    monkeypatch.setattr("twin_ops.local.function_host.REPORT_INTERVAL", 60.0)
    arrived = threading.Event()
    server = LocalServer("control")
    server.route("POST", "/report", lambda request: (arrived.set(), Response(200, {}))[1])
    server.start()
    try:
        Reporter(f"{server.url}/report", "stack/function").event("s3-created", {"bucket": "b", "key": "k"})
        assert arrived.wait(10), "the event waited for the batch interval"
    finally:
        server.stop()


def test_the_runner_reacting_to_a_report_counts_as_in_flight():
    """A run settles once nothing is in flight: the replication a reported S3 write starts must hold it."""
    ledger = Ledger()
    seen = []
    ledger.events["s3-created"] = lambda data: seen.append(ledger.busy)
    ledger.report([{"label": "stack/function", "event": "s3-created", "data": {}}])
    assert seen == [1] and ledger.busy == 0


class _Peers(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    peers: list[int] = []

    def do_GET(self) -> None:  # noqa: N802
        self.peers.append(self.client_address[1])
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def test_calls_from_threads_that_live_for_one_call_share_one_connection():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Peers)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = KeptAlive()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        for _ in range(5):
            call = threading.Thread(target=client.call, args=("GET", url))
            call.start()
            call.join()
    finally:
        server.shutdown()
        server.server_close()
    assert len(_Peers.peers) == 5
    assert len(set(_Peers.peers)) == 1  # one client port: one connection for the five calls
