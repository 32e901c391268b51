"""Every bridge request ends in one metric line: what the alarms and dashboards of each cloud read.

The expected shape is CloudWatch Embedded Metric Format as AWS specifies it (a `_aws` object with
a millisecond `Timestamp` and `CloudWatchMetrics` directives; every dimension and metric named
there is a top-level member, dimensions strings, metrics numbers), and the fields the Azure queries
and Google log-based metrics select on (`event`, `outcome`).
"""

from __future__ import annotations

import json
import time

import pytest

from runtime.core.http_client import DeliveryError, InterCloudClient, RetryPolicy
from tests.runtime.runtime_testing import json_reply

TOKEN = "metric-line-token-never-printed"
POLICY = RetryPolicy(max_attempts=4, initial_delay=0.01, max_delay=0.02, deadline=5.0, timeout=1.0)


def lines(capsys: pytest.CaptureFixture) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]


def scripted(*statuses: int):
    queue = list(statuses)
    return lambda request: json_reply(queue.pop(0) if queue else 200, {"error": {"code": "x", "message": "m"}})


def post(url: str) -> None:
    InterCloudClient(url, lambda: TOKEN, POLICY, sleep=lambda s: None, jitter=lambda: 1.0).post({"a": 1})


def assert_embedded_metric_format(line: dict) -> None:
    """AWS's EMF specification, checked member by member."""
    meta = line["_aws"]
    assert isinstance(meta["Timestamp"], int) and abs(meta["Timestamp"] - time.time() * 1000) < 60_000
    (directive,) = meta["CloudWatchMetrics"]
    assert directive["Namespace"] == "DigitalTwin/Bridges"
    assert directive["Dimensions"] == [["Twin"]]
    assert isinstance(line["Twin"], str) and line["Twin"]
    assert {m["Name"]: m["Unit"] for m in directive["Metrics"]} == {
        "DeliveryFailures": "Count",
        "DeliveryRetries": "Count",
        "DeliveryLatency": "Milliseconds",
    }
    for metric in directive["Metrics"]:
        assert isinstance(line[metric["Name"]], (int, float)) and not isinstance(line[metric["Name"]], bool)


def test_a_delivery_after_two_retries_is_one_delivered_line(serve, capsys, monkeypatch) -> None:
    monkeypatch.setenv("TWIN_NAME", "plant-7")
    server = serve(scripted(503, 500))
    post(server.url + "ingest")
    (line,) = lines(capsys)
    assert_embedded_metric_format(line)
    assert len(server.requests) == 3
    assert (line["event"], line["outcome"], line["Twin"]) == ("dt.bridge.delivery", "delivered", "plant-7")
    assert (line["attempts"], line["DeliveryRetries"], line["DeliveryFailures"]) == (3, 2, 0)
    assert line["DeliveryLatency"] >= 0 and line["receiver"].endswith("/ingest")


def test_the_final_failure_is_one_failed_line_with_the_last_status(serve, capsys, monkeypatch) -> None:
    monkeypatch.setenv("TWIN_NAME", "plant-7")
    server = serve(lambda request: json_reply(502, {}))
    with pytest.raises(DeliveryError):
        post(server.url + "ingest?sig=QUERYSECRET")
    output = capsys.readouterr().out
    (line,) = [json.loads(text) for text in output.splitlines()]
    assert_embedded_metric_format(line)
    assert (line["outcome"], line["severity"], line["status"]) == ("failed", "WARNING", 502)
    assert (line["attempts"], line["DeliveryRetries"], line["DeliveryFailures"]) == (4, 3, 1)
    assert TOKEN not in output and "QUERYSECRET" not in output


def test_a_refused_request_fails_at_once_and_is_reported(serve, capsys) -> None:
    server = serve(scripted(403))
    with pytest.raises(DeliveryError):
        post(server.url)
    (line,) = lines(capsys)
    assert (line["outcome"], line["attempts"], line["DeliveryRetries"], line["DeliveryFailures"]) == ("failed", 1, 0, 1)
    assert line["Twin"] == "unknown"  # no TWIN_NAME: still a valid dimension value


def test_a_malformed_token_is_a_failure_before_any_attempt(capsys) -> None:
    client = InterCloudClient("http://127.0.0.1:9/x", lambda: "", POLICY)
    with pytest.raises(DeliveryError):
        client.post({})
    (line,) = lines(capsys)
    assert (line["outcome"], line["attempts"], line["DeliveryFailures"]) == ("failed", 0, 1)


def test_each_request_writes_exactly_one_line(serve, capsys) -> None:
    server = serve(scripted())
    client = InterCloudClient(server.url, lambda: TOKEN, POLICY)
    for n in range(5):
        client.post({"n": n})
    assert [line["outcome"] for line in lines(capsys)] == ["delivered"] * 5
