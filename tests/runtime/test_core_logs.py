"""The one log format of every function: JSON lines with the role, cloud and trace fields, and
nothing a log must not carry (URL query strings, forged lines)."""

from __future__ import annotations

import json
import logging

from runtime.core.logs import JsonFormatter, log_context, runs_as

logger = logging.getLogger("runtime.test")


def formatted(message: str, *args: object, exc: bool = False, **extra: object) -> dict:
    record = logger.makeRecord("runtime.test", logging.WARNING, __file__, 1, message, args, None, extra=extra)
    if exc:
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            import sys

            record.exc_info = sys.exc_info()
    line = JsonFormatter("google").format(record)
    assert "\n" not in line  # one line per record, whatever the message holds
    return json.loads(line)


def test_a_line_has_the_contract_fields() -> None:
    line = formatted("sent %d records", 3, trace_id="ab" * 16, count=3, connection="aws_l1_to_google_l2")
    assert line["message"] == "sent 3 records" and line["level"] == line["severity"] == "WARNING"
    assert line["cloud"] == "google" and line["trace_id"] == "ab" * 16 and line["count"] == 3
    assert line["connection"] == "aws_l1_to_google_l2" and line["time"].endswith("Z")


def test_the_handler_context_names_the_role_and_its_cloud() -> None:
    @runs_as("persister", "azure")
    def handler() -> dict:
        with log_context(device_id="d1"):
            return formatted("x")

    line = handler()
    assert (line["function"], line["cloud"], line["device_id"]) == ("persister", "azure", "d1")
    assert formatted("outside")["function"] is None  # the context ends with the handler


def test_query_strings_and_control_characters_never_reach_a_line() -> None:
    line = formatted("POST https://logic.example/workflows/x/run?sig=SECRETSIG&sv=1 failed\nFAKE LINE")
    assert "SECRETSIG" not in line["message"] and "?[redacted]" in line["message"]
    assert "\n" not in line["message"] and "\\n" in line["message"]


def test_exceptions_are_one_field() -> None:
    line = formatted("failed", exc=True)
    assert "RuntimeError: boom" in line["exception"]
