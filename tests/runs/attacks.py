"""Hostile requests to every bridge receiver of a running twin (issue #28): the wire contract's
answers (docs/design.md §5) — 401 for a missing or wrong token, 413 above the receivers' 6 MB
limit or a platform's, 400 for a malformed or partial body — and a run that carries on unharmed.

Each case is one raw HTTP/1.1 request on its own connection, written by hand (nothing from the
runtime's own client), so that a partial body can be sent and the connection half-closed.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from twin_contract.wire import TOKEN_HEADER

SIX_MB = 6 * 1024 * 1024
ENVELOPE = {"source_cloud": "aws", "target_layer": "L2", "message_type": "telemetry", "timestamp": "2026-01-01T00:00:00.000Z",
            "trace_id": "attack", "payload": []}


@dataclass(frozen=True)
class Case:
    name: str
    expected: int
    token: str | None  # None: no token header; "wrong"; "valid"
    body: bytes
    declared: int | None = None  # Content-Length sent, when it is not len(body)
    partial: bool = False  # sends less than it declares, then nothing (half-closed where plain TCP allows it)


CASES = (
    Case("no token", 401, None, json.dumps(ENVELOPE).encode()),
    Case("wrong token", 401, "wrong", json.dumps(ENVELOPE).encode()),
    Case("wrong token, oversized", 401, "wrong", b" " * 1024),  # the token is checked first: nothing else is told
    Case("malformed JSON", 400, "valid", b'{"source_cloud": "aws", "payload": [}'),
    Case("not UTF-8", 400, "valid", b"\xff\xfe\x00{"),
    Case("over 6 MB", 413, "valid", b"[" + b"0," * (SIX_MB // 2) + b"0]"),
    Case("a declared 200 MB body", 413, "valid", b"", declared=200 * 1024 * 1024),
    Case("partial body", 400, "valid", b'{"source_cloud": "aws", "pay', declared=200, partial=True),
)


@dataclass
class Attacks:
    """Collects (connection, url, case, status) for every receiver the run hands over."""

    answers: list[tuple[str, str, str, int, int]] = field(default_factory=list)

    def __call__(self, receivers):
        """All at once; returns what waits for the partial requests over TLS, which wait out the
        receiver's read timeout while the run goes on (the runner calls it before its hosts stop)."""
        attempts = [(receiver, case) for receiver in receivers for case in CASES]
        pool = ThreadPoolExecutor(max_workers=len(attempts) or 1)
        futures = [pool.submit(send, *attempt) for attempt in attempts]
        slow = [future for (receiver, case), future in zip(attempts, futures, strict=True) if _times_out(receiver, case)]
        for future in futures:
            if future not in slow:
                future.result()

        def finish() -> None:
            self.answers += [(receiver.connection_id, receiver.url, case.name, case.expected, future.result())
                             for (receiver, case), future in zip(attempts, futures, strict=True)]
            pool.shutdown()

        return finish

    def wrong(self) -> list[tuple[str, str, str, int, int]]:
        return [answer for answer in self.answers if answer[3] != answer[4]]


def _times_out(receiver, case: Case) -> bool:
    """A body shorter than declared, over TLS (which cannot half-close): the receiver may read on
    until its read timeout before it answers."""
    return case.declared is not None and case.declared > len(case.body) and urlsplit(receiver.url).scheme == "https"


def send(receiver, case: Case) -> int:
    parts = urlsplit(receiver.url)
    raw = socket.create_connection((parts.hostname, parts.port), timeout=60)
    if parts.scheme == "https":
        raw = ssl.create_default_context(cafile=str(receiver.ca_file)).wrap_socket(raw, server_hostname=parts.hostname)
    token = {None: None, "wrong": "x" * len(receiver.token), "valid": receiver.token}[case.token]
    head = [f"POST {parts.path or '/'} HTTP/1.1", f"Host: {parts.netloc}", "Content-Type: application/json",
            f"Content-Length: {case.declared if case.declared is not None else len(case.body)}", "Connection: close"]
    if token is not None:
        head.append(f"{TOKEN_HEADER}: {token}")
    with raw:
        # A receiver may answer and close before taking the whole body: its answer is read below.
        with contextlib.suppress(OSError):
            raw.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + case.body)
        if case.partial and not isinstance(raw, ssl.SSLSocket):  # TLS cannot half-close: the receiver times out
            raw.shutdown(socket.SHUT_WR)
        answer = b""
        try:
            while b"\r\n" not in answer:
                chunk = raw.recv(4096)
                if not chunk:
                    break
                answer += chunk
        except OSError:
            pass
    status_line = answer.split(b"\r\n", 1)[0].split()
    return int(status_line[1]) if len(status_line) > 1 and status_line[1].isdigit() else 0
