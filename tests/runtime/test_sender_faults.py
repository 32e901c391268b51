"""The sender against receivers that misbehave on purpose, over real sockets on 127.0.0.1 (issue
#11, item 10): the deadline covers the whole exchange, answers are read with a cap, what the
receiver says is sanitized before it reaches logs and exceptions, and a token http.client cannot
send is a DeliveryError."""

from __future__ import annotations

import json
import logging
import time
import tracemalloc
from collections.abc import Iterator

import pytest

from runtime.core.http_client import DeliveryError, InterCloudClient, RetryPolicy
from tests.runtime.hostile_server import Connection, HostileServer, Script, response_head

TOKEN = "Sender0Token1Value2AbCdEf"
SIG = "SigQueryValue9876543210xyz"
QUERY = f"?api-version=2016-10-01&sp=%2Ftriggers%2Fmanual%2Frun&sig={SIG}"
FORGED = "CRITICAL forged log line"


def json_answer(status: int, body: object, reason: str = "X") -> bytes:
    payload = json.dumps(body).encode()
    return response_head(status, reason, Content_Type="application/json", Content_Length=str(len(payload))) + payload


@pytest.fixture
def hostile() -> Iterator:
    servers: list[HostileServer] = []

    def start(script: Script) -> HostileServer:
        servers.append(HostileServer(script).start())
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def sender(url: str, token: str = TOKEN, **policy: float) -> InterCloudClient:
    settings = {"max_attempts": 3, "initial_delay": 0.01, "max_delay": 0.02, "deadline": 1.5, "timeout": 10.0, **policy}
    return InterCloudClient(url + QUERY, lambda: token, RetryPolicy(**settings))


def assert_sanitized(text: str) -> None:
    """Nothing the receiver controls that could forge a line, leak a secret or grow without bound."""
    assert TOKEN not in text and SIG not in text and "sig=" not in text
    assert FORGED not in text and "\r" not in text
    assert len(text) < 1000


def failure_of(client: InterCloudClient, caplog: pytest.LogCaptureFixture) -> tuple[DeliveryError, float]:
    caplog.set_level(logging.WARNING)
    started = time.monotonic()
    with pytest.raises(DeliveryError) as raised:
        client.post({"records": [1, 2, 3]})
    elapsed = time.monotonic() - started
    assert_sanitized(str(raised.value))
    for entry in caplog.records:
        assert_sanitized(entry.getMessage())
        assert "\n" not in entry.getMessage()
    return raised.value, elapsed


# --- the deadline covers the whole exchange -------------------------------------------------------

def drip_body(connection: Connection) -> None:
    """A 200 whose body arrives one byte every 0.2 s: each read succeeds, the exchange never ends."""
    connection.send(response_head(200, Content_Type="application/json", Content_Length="1000"))
    connection.drip(b"[" + b"1," * 499, 0.2)


def drip_head(connection: Connection) -> None:
    connection.drip(response_head(200, Content_Type="application/json", Content_Length="2") + b"{}", 0.2)


def drip_error(connection: Connection) -> None:
    connection.send(response_head(503, Content_Length="1000"))
    connection.drip(b"x" * 1000, 0.2)


def silent(connection: Connection) -> None:
    connection.hold(30)  # reads the request, never answers


@pytest.mark.parametrize(
    "script", [drip_body, drip_head, drip_error, silent], ids=["slow body", "slow status line", "slow 503", "no answer"]
)
def test_a_slow_receiver_cannot_hold_the_sender_past_its_deadline(hostile, caplog, script: Script) -> None:
    server = hostile(script)
    failure, elapsed = failure_of(sender(server.url, deadline=1.5), caplog)
    assert elapsed < 1.5 + 0.5, f"held {elapsed:.1f}s against a 1.5s deadline"
    assert "TimeoutError" in str(failure) or "HTTP 503" in str(failure)


def test_the_per_attempt_timeout_bounds_a_whole_attempt_not_each_read(hostile, caplog) -> None:
    """1 byte every 0.2 s never trips a 1 s socket timeout; the attempt still ends after 1 s."""
    server = hostile(drip_body)
    failure, elapsed = failure_of(sender(server.url, deadline=10.0, timeout=1.0, max_attempts=2), caplog)
    assert 2.0 <= elapsed < 2.0 + 0.6 and len(server.requests) == 2
    assert "TimeoutError" in str(failure)


# --- answers are read with a cap -------------------------------------------------------------------

HUGE = 200 * 1024 * 1024


def huge_declared(connection: Connection) -> None:
    connection.send(response_head(200, Content_Type="application/json", Content_Length=str(HUGE)))
    connection.stream(b" " * 65536, HUGE)


def huge_chunked(connection: Connection) -> None:
    connection.send(response_head(200, Content_Type="application/json", Transfer_Encoding="chunked"))
    chunk = b" " * 65536
    connection.stream(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n", HUGE)


def huge_until_close(connection: Connection) -> None:
    connection.send(response_head(200, Content_Type="application/json", Connection="close"))
    connection.stream(b" " * 65536, HUGE)


@pytest.mark.parametrize(
    "script", [huge_declared, huge_chunked, huge_until_close], ids=["Content-Length", "chunked", "until close"]
)
def test_a_200_mb_answer_is_refused_after_the_cap_without_holding_it_in_memory(hostile, caplog, script) -> None:
    server = hostile(script)
    client = sender(server.url, deadline=20.0, max_response_bytes=4 * 1024 * 1024)
    tracemalloc.start()
    try:
        failure, elapsed = failure_of(client, caplog)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "more than 4194304 bytes" in str(failure) and failure.status == 200
    assert len(server.requests) == 1  # a delivered request is not sent again
    assert peak < 16 * 1024 * 1024, f"peak {peak / 2**20:.0f} MiB for a 4 MiB cap"
    assert elapsed < 5


def test_the_default_cap_keeps_a_200_mb_answer_out_of_memory(hostile, caplog) -> None:
    server = hostile(huge_chunked)
    tracemalloc.start()
    try:
        failure, _ = failure_of(InterCloudClient(server.url, lambda: TOKEN), caplog)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "more than 8388608 bytes" in str(failure)
    assert peak < 40 * 1024 * 1024, f"peak {peak / 2**20:.0f} MiB (the issue measured 400 MB)"


def test_an_error_answer_is_read_only_far_enough_for_its_code(hostile, caplog) -> None:
    def huge_503(connection: Connection) -> None:
        connection.send(response_head(503, Content_Type="application/json", Transfer_Encoding="chunked"))
        chunk = b'{"error": {"code": "' + b"A" * 65000
        connection.stream(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n", 50 * 1024 * 1024)

    server = hostile(huge_503)
    failure, elapsed = failure_of(sender(server.url, deadline=5.0), caplog)
    assert failure.status == 503 and len(server.requests) == 3 and elapsed < 3
    assert str(failure).endswith("HTTP 503")  # no code: only its first 64 KiB were read, not valid JSON
    deadline = time.monotonic() + 5
    while len(server.sent) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    # The client closed each connection after its first 64 KiB: the rest was never taken.
    assert len(server.sent) == 3 and max(server.sent) < 20 * 1024 * 1024


# --- what the receiver says is sanitized -----------------------------------------------------------

HOSTILE_ANSWERS = {
    "forged log line in the code": json_answer(400, {"error": {"code": f"bad\r\n{FORGED}", "message": "m"}}),
    "forged log line, retried": json_answer(503, {"error": {"code": f"busy\n{FORGED}"}}),
    "the token echoed as the code": json_answer(400, {"error": {"code": TOKEN}}),
    "the token echoed in a longer code": json_answer(400, {"error": {"code": f"token_{TOKEN}_rejected"}}),
    "the sig echoed as the code": json_answer(403, {"error": {"code": SIG}}),
    "the query echoed as the code": json_answer(403, {"error": {"code": QUERY}}),
    "a 10 MB error code": json_answer(400, {"error": {"code": "E" * 10 * 1024 * 1024}}),
    "a 10 MB code on a 503": json_answer(503, {"error": {"code": "E" * 10 * 1024 * 1024}}),
    "an error code that is an object": json_answer(400, {"error": {"code": {"token": TOKEN}}}),
    "a deeply nested error body": b"HTTP/1.1 400 X\r\nContent-Length: 200000\r\n\r\n" + b"[" * 100_000 + b"]" * 100_000,
    "the token in the reason phrase": json_answer(503, {}, reason=f"{TOKEN} {SIG} {FORGED}"),
    "the token in a malformed status line": f"HTTP/1.1 {TOKEN}\r\n\r\n".encode(),
    "a status line that is not HTTP": f"{FORGED} {SIG}\r\n\r\n".encode(),
    "headers too long, quoting the token": response_head(200)[:-2] + f"X-Echo: {TOKEN * 4000}\r\n\r\n".encode(),
    "a redirect to a URL with the token": response_head(302, Location=f"https://evil.example/?t={TOKEN}&sig={SIG}",
                                                       Content_Length="0"),
    "a 200 that is not JSON, quoting secrets": response_head(200, Content_Length="60") + f"{TOKEN}{SIG}".encode()[:60],
    "a 200 with NaN": response_head(200, Content_Length="3") + b"NaN",
}


@pytest.mark.parametrize("raw", HOSTILE_ANSWERS.values(), ids=HOSTILE_ANSWERS.keys())
def test_hostile_answers_reach_logs_and_exceptions_only_sanitized(hostile, caplog, raw: bytes) -> None:
    server = hostile(lambda connection: connection.send(raw))
    failure, elapsed = failure_of(sender(server.url, deadline=3.0), caplog)
    assert elapsed < 3.5
    assert failure.status is None or 200 <= failure.status < 600


def test_a_well_formed_error_code_is_still_reported(hostile, caplog) -> None:
    server = hostile(lambda connection: connection.send(json_answer(400, {"error": {"code": "invalid_record"}})))
    failure, _ = failure_of(sender(server.url), caplog)
    assert "HTTP 400 (invalid_record)" in str(failure)


# --- tokens http.client cannot send ------------------------------------------------------------------

@pytest.mark.parametrize(
    "token", ["tökén", "token€", "emoji🙂", "tab\there", "space here", "nul\0", "del\x7f", "", "\u2028line"]
)
def test_a_token_that_is_not_visible_ascii_is_a_delivery_error_sent_nowhere(hostile, caplog, token: str) -> None:
    server = hostile(lambda connection: connection.send(json_answer(200, {})))
    with pytest.raises(DeliveryError, match="empty or malformed") as raised:
        sender(server.url, token=token).post({})
    assert (token not in str(raised.value)) or token == ""
    assert server.requests == []
