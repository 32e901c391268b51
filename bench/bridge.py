"""Bridge throughput over loopback: our sender (batches + keep-alive) against one POST per record.

The receiver is the real core receiver (token check, envelope parsing, normalisation) behind a
threaded HTTP/1.1 server; both senders run in the same process against the same server, one
after the other, so the ratio compares transports on equal terms.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from runtime.core.envelope import build_envelope, records_receiver
from runtime.core.http_client import InterCloudClient
from runtime.core.receiver import InboundRequest, handle_inbound
from runtime.core.sender import DEFAULT_BATCH_SIZE, RecordSender
from twin_contract.wire import PROCESSING_LAYER, TOKEN_HEADER

TOKEN = "bench-token-not-a-secret"


@dataclass(frozen=True)
class BridgeResult:
    records: int
    batch_size: int
    batched_per_second: float
    per_record_records: int
    per_record_per_second: float

    @property
    def ratio(self) -> float:
        return self.batched_per_second / self.per_record_per_second

    def markdown(self) -> str:
        return "\n".join(
            [
                "| sender | records | records/s |",
                "|---|---:|---:|",
                f"| batches of {self.batch_size}, keep-alive (ours) | {self.records:,} | {self.batched_per_second:,.0f} |",
                f"| one POST per record, new connection | {self.per_record_records:,} | {self.per_record_per_second:,.0f} |",
                "",
                f"Ratio: **{self.ratio:,.0f}×**.",
            ]
        )


class _Counter:
    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def deliver(self, records: list) -> None:
        with self._lock:
            self.count += len(records)


def _server(counter: _Counter) -> ThreadingHTTPServer:
    receive = records_receiver(PROCESSING_LAYER, counter.deliver)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive
        disable_nagle_algorithm = True  # no 40 ms delayed-ACK stall per response

        def do_POST(self) -> None:  # noqa: N802 (http.server naming)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            response = handle_inbound(InboundRequest(dict(self.headers), body), TOKEN, receive)
            payload = json.dumps(response.body).encode()
            self.send_response(response.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _records(count: int) -> list[dict]:
    return [
        {"device_id": f"press-{i % 50:05d}", "timestamp": 1_767_225_600_000 + i, "temperature": 20.0 + i % 7}
        for i in range(count)
    ]


def _per_record_fresh_connection(url: str, records: list[dict]) -> None:
    """What the predecessor did: urllib per record, a new TCP connection each time."""
    for record in records:
        body = json.dumps(build_envelope([record], "aws", PROCESSING_LAYER)).encode()
        request = urllib.request.Request(
            url, data=body, method="POST", headers={"Content-Type": "application/json", TOKEN_HEADER: TOKEN}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()


def measure_bridge(records: int = 20_000, batch_size: int = DEFAULT_BATCH_SIZE) -> BridgeResult:
    counter = _Counter()
    server = _server(counter)
    url = f"http://127.0.0.1:{server.server_address[1]}/ingestion"
    data = _records(records)
    try:
        sender = RecordSender(InterCloudClient(url, lambda: TOKEN), "aws", PROCESSING_LAYER, batch_size)
        start = time.perf_counter()
        sender.put(data)
        batched = records / (time.perf_counter() - start)
        # The baseline is ~100x slower: time a tenth of the records to keep the run short.
        baseline_records = data[: max(1, records // 10)]
        start = time.perf_counter()
        _per_record_fresh_connection(url, baseline_records)
        per_record = len(baseline_records) / (time.perf_counter() - start)
    finally:
        server.shutdown()
        server.server_close()
    expected = records + len(baseline_records)
    if counter.count != expected:
        raise RuntimeError(f"receiver counted {counter.count} records, expected {expected}")
    return BridgeResult(records, batch_size, batched, len(baseline_records), per_record)
