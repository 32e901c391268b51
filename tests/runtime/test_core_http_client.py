"""The inter-cloud client against real loopback servers."""

import json
import socket
import ssl
from collections.abc import Callable

import pytest

from runtime.core.http_client import DeliveryError, InterCloudClient, RetryPolicy, validate_url
from twin_ops.local.tls import make_tls
from tests.runtime.runtime_testing import RecordedRequest, Reply, json_reply

TOKEN = "top-secret-token"
POLICY = RetryPolicy(max_attempts=4, initial_delay=0.01, max_delay=0.05, deadline=5.0, timeout=1.0)


def scripted(*replies: Reply) -> Callable[[RecordedRequest], Reply]:
    """Answer with `replies` in turn, then 200 {"ok": true} forever."""
    queue = list(replies)
    return lambda request: queue.pop(0) if queue else json_reply(200, {"ok": True})


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client(url: str, sleeps: Sleeps | None = None, policy: RetryPolicy = POLICY) -> InterCloudClient:
    return InterCloudClient(
        url, lambda: TOKEN, policy, sleep=sleeps if sleeps is not None else Sleeps(), jitter=lambda: 1.0
    )


def test_posts_json_with_the_token(serve) -> None:
    server = serve(scripted())
    assert client(server.url + "ingest?code=abc").post({"a": 1}) == {"ok": True}
    (request,) = server.requests
    assert request.path == "/ingest?code=abc" and json.loads(request.body) == {"a": 1}
    assert request.headers["X-Inter-Cloud-Token"] == TOKEN and request.headers["Content-Type"] == "application/json"


def test_keep_alive_connections_are_reused(serve, monkeypatch: pytest.MonkeyPatch) -> None:
    server = serve(scripted())
    connects = []
    real_connect = socket.create_connection
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: connects.append(a) or real_connect(*a, **k))
    sender = client(server.url)
    for n in range(5):
        sender.post({"n": n})
    assert len(server.requests) == 5 and len(connects) == 1


def test_5xx_is_retried_with_exponential_backoff(serve) -> None:
    sleeps = Sleeps()
    server = serve(scripted(json_reply(503, {}), json_reply(500, {})))
    assert client(server.url, sleeps).post({}) == {"ok": True}
    assert len(server.requests) == 3 and sleeps == [0.01, 0.02]


def test_429_honours_retry_after(serve) -> None:
    sleeps = Sleeps()
    server = serve(scripted(json_reply(429, {}, **{"Retry-After": "0.2"})))
    client(server.url, sleeps).post({})
    assert sleeps == [0.2]


def test_retry_after_beyond_the_deadline_gives_up(serve) -> None:
    server = serve(scripted(json_reply(429, {}, **{"Retry-After": "3600"})))
    with pytest.raises(DeliveryError, match="HTTP 429") as failure:
        client(server.url).post({})
    assert failure.value.status == 429 and len(server.requests) == 1


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413])
def test_other_4xx_are_never_retried(serve, status: int) -> None:
    server = serve(scripted(json_reply(status, {"error": {"code": "nope", "message": "m"}})))
    with pytest.raises(DeliveryError, match=f"HTTP {status} \\(nope\\)") as failure:
        client(server.url).post({})
    assert failure.value.status == status and len(server.requests) == 1


def test_persistent_failure_raises_after_the_last_attempt(serve) -> None:
    sleeps = Sleeps()
    server = serve(lambda request: json_reply(502, {}))
    with pytest.raises(DeliveryError, match="after 4 attempt") as failure:
        client(server.url + "path?sig=SECRETQUERY", sleeps).post({})
    assert len(server.requests) == 4 and len(sleeps) == 3 and failure.value.status == 502
    assert TOKEN not in str(failure.value) and "SECRETQUERY" not in str(failure.value)


def test_network_errors_are_retried_and_reported_without_secrets(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    sleeps = Sleeps()
    with pytest.raises(DeliveryError, match="ConnectionRefusedError") as failure:
        client(f"http://127.0.0.1:{port}/x?key=SECRETQUERY", sleeps).post({})
    assert len(sleeps) == 3
    assert "SECRETQUERY" not in str(failure.value) + caplog.text and TOKEN not in caplog.text


def test_the_deadline_bounds_all_attempts(serve) -> None:
    now = [0.0]

    def slow_failure(request: RecordedRequest) -> Reply:
        now[0] += 4.0  # every attempt takes 4 s of the 10 s deadline
        return json_reply(503, {})

    server = serve(slow_failure)
    sender = InterCloudClient(
        server.url,
        lambda: TOKEN,
        RetryPolicy(max_attempts=10, deadline=10.0),
        sleep=lambda s: now.__setitem__(0, now[0] + s),
        clock=lambda: now[0],
        jitter=lambda: 1.0,
    )
    with pytest.raises(DeliveryError, match="after 3 attempt"):
        sender.post({})


def test_a_connection_the_server_closed_while_idle_is_replaced_without_an_attempt(serve) -> None:
    server = serve(scripted())
    server.close_after_reply = True  # like a receiver's idle timeout, without telling the client
    sleeps = Sleeps()
    sender = client(server.url, sleeps)
    assert [sender.post({"n": n}) for n in range(3)] == [{"ok": True}] * 3
    assert len(server.requests) == 3 and sleeps == []


def test_a_tls_connection_the_server_closed_while_idle_is_replaced_without_an_attempt(
    serve, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over TLS the reused connection's read ends in an EOF without close_notify (ssl.SSLEOFError)."""
    tls = make_tls(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls.cert_file, tls.key_file)
    monkeypatch.setenv("SSL_CERT_FILE", str(tls.ca_file))  # the client's default context trusts the test CA
    server = serve(scripted(), tls=context)
    server.close_after_reply = True
    sleeps = Sleeps()
    sender = client(server.url, sleeps)
    assert server.url.startswith("https://")
    assert [sender.post({"n": n}) for n in range(3)] == [{"ok": True}] * 3
    assert len(server.requests) == 3 and sleeps == []


@pytest.mark.parametrize(
    "url", ["http://example.com/x", "ftp://127.0.0.1/", "https://user:pw@example.com/", "/relative", "https://"]
)
def test_insecure_or_malformed_urls_are_rejected(url: str) -> None:
    with pytest.raises(ValueError):
        validate_url(url)


@pytest.mark.parametrize(
    "url",
    ["https://example.com/x", "http://127.0.0.1:8080/", "http://127.8.9.1/", "http://localhost/", "http://[::1]:9/"],
)
def test_https_and_loopback_urls_are_accepted(url: str) -> None:
    assert validate_url(url) == url


def test_a_malformed_token_is_refused_without_echoing_it() -> None:
    sender = InterCloudClient("https://example.com/", lambda: "bad\r\nInjected: yes")
    with pytest.raises(DeliveryError, match="empty or malformed") as failure:
        sender.post({})
    assert "Injected" not in str(failure.value)


def test_a_success_that_is_not_json_is_a_delivery_error(serve) -> None:
    server = serve(lambda request: (200, {}, b"<html>proxy page</html>"))
    with pytest.raises(DeliveryError, match="not JSON"):
        client(server.url).post({})
