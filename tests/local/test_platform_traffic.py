"""What the local platform itself sends while records flow (twin_ops/local/function_host.py): each
request it makes is one the runner or a Function App must serve, on the same two cores as the twin.

- a host's invocation reports go to the runner in batches (`REPORT_INTERVAL`), not one request
  every few records;
- events (an S3 write the runner replicates) go at once, and the runner's reaction is in flight;
- `KeptAlive` shares its idle connections between threads: a caller whose every call runs on a new
  thread (a Logic App execution's Http actions) reuses them instead of a TCP and TLS handshake each.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

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


class _S3:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def head_object(self, Bucket: str, Key: str) -> dict:  # noqa: N803 - boto3's names
        self.calls.append(f"HeadObject {Bucket}/{Key}")
        return {"ContentLength": 7, "ETag": '"from-head"'}


def test_an_s3_notification_takes_size_and_etag_from_the_write_without_reading_the_object_again():
    """S3 notifies with the object's size and ETag, which the write reported (function_host.guard_sdk):
    a HeadObject per write was a moto request and an SDK call in the runner that the cloud never makes.
    A write that reported neither (a multipart upload) is read once."""
    from twin_ops.local.standins.aws import S3Behaviours, S3Rules

    s3, invoked = _S3(), []
    behaviours = S3Behaviours(lambda: s3, SimpleNamespace(invoke_async=lambda f, event: invoked.append(event)), Ledger(), "r")
    behaviours.buckets["cold"] = S3Rules(notifications=[("s3:ObjectCreated:*", "arn:aws:lambda:r:1:function:archiver")])
    behaviours.reported({"bucket": "cold", "key": "a b.json", "size": 1234, "etag": '"abc"'})  # as a host reports a write
    assert s3.calls == []
    behaviours.reported({"bucket": "cold", "key": "c.json"})
    assert s3.calls == ["HeadObject cold/c.json"]
    objects = [event["Records"][0]["s3"]["object"] for event in invoked]
    assert objects == [{"key": "a%20b.json", "size": 1234, "eTag": "abc"}, {"key": "c.json", "size": 7, "eTag": "from-head"}]


WRITE_PROBE = textwrap.dedent("""
    import json
    import boto3
    from botocore.stub import Stubber
    from twin_ops.local import function_host

    events = []
    reporter = type("R", (), {"event": lambda self, kind, data: events.append([kind, data])})()
    function_host.guard_sdk({"grants": None}, reporter)
    s3 = boto3.client("s3", region_name="eu-central-1", aws_access_key_id="k", aws_secret_access_key="s")
    with Stubber(s3) as stub:
        stub.add_response("put_object", {"ETag": '"9a0364b9e99bb480dd25e1f0284c8555"'})
        s3.put_object(Bucket="cold", Key="k.json", Body=b"content")
        stub.add_response("put_object", {"ETag": '"9a0364b9e99bb480dd25e1f0284c8555"'})
        s3.put_object(Bucket="cold", Key="s.json", Body="content")
        stub.add_response("copy_object", {"CopyObjectResult": {"ETag": '"e"'}})
        s3.copy_object(Bucket="cold", Key="c.json", CopySource={"Bucket": "hot", "Key": "k.json"})
    print(json.dumps(events))
""")


def test_a_hosts_s3_write_reports_the_objects_size_and_etag():
    """Probed in a process of its own: guard_sdk hooks every botocore client of the process."""
    completed = subprocess.run([sys.executable, "-c", WRITE_PROBE], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr[-2000:]
    events = json.loads(completed.stdout.strip().splitlines()[-1])
    etag = '"9a0364b9e99bb480dd25e1f0284c8555"'
    assert events == [
        ["s3-created", {"bucket": "cold", "key": "k.json", "size": 7, "etag": etag}],
        ["s3-created", {"bucket": "cold", "key": "s.json", "size": 7, "etag": etag}],
        ["s3-created", {"bucket": "cold", "key": "c.json"}],  # a copy's size is the source's: the runner reads it
    ]
