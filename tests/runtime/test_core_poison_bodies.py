"""Poison bodies: input that can never succeed is a 400, never a 500 a sender would retry into its
dead-letter queue (issue #11, item 8). Each case is a body a hostile or broken sender can send;
the expected limits come from the stores' documented limits (runtime.core.limits' table)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from runtime.core.envelope import records_receiver
from runtime.core.receiver import InboundRequest, handle_inbound
from runtime.core.telemetry import normalize_record, validate_device_id
from tests.runtime.poison_bodies import POISON, STAMP, TOKEN, envelope_bytes, maps, reading


def answer(body: bytes) -> tuple[int, dict[str, Any], list[Any]]:
    delivered: list[Any] = []
    response = handle_inbound(
        InboundRequest({"X-Inter-Cloud-Token": TOKEN}, body), TOKEN, records_receiver("L3_hot", delivered.extend)
    )
    return response.status, response.body, delivered


@pytest.mark.parametrize("body", POISON.values(), ids=POISON.keys())
def test_poison_bodies_are_refused_with_400_and_deliver_nothing(body: bytes) -> None:
    status, answer_body, delivered = answer(body)
    assert status == 400, answer_body
    assert delivered == []
    assert len(json.dumps(answer_body)) < 600  # bad input is described, never echoed whole


@pytest.mark.parametrize(
    "record",
    [
        reading(v=9.9e125),
        reading(v=-1e-130),
        reading(v=0.0),
        reading(v=2**63 - 1, w=-(2**63)),
        reading(v=maps(16)),
        reading(v=[{"a": [1]}, {"b": None}], w=True, label="", name_="ünïcödé ✓"),
        reading(**{"n" * 255: 1, "_custom": 1, "__partial": 1}),
        reading(blob="x" * 30 * 1024),
        reading(timestamp="1970-01-01T00:00:00Z"),
        reading(timestamp="9999-12-31T23:59:59.999Z"),
        {"device_id": "A-z_0:9" + "d" * 121, "timestamp": STAMP},
    ],
    ids=["9.9e125", "-1e-130", "zero", "int64 bounds", "16 levels", "mixed values", "names", "30 KB",
         "epoch start", "last millisecond", "128-character device id"],
)
def test_records_at_the_limits_are_accepted(record: dict[str, Any]) -> None:
    status, answer_body, delivered = answer(envelope_bytes(record))
    assert status == 200, answer_body
    assert len(delivered) == 1


def test_the_device_id_must_match_whole() -> None:
    for bad in ("d1\n", "d1\r", "\nd1", "d1 ", "d\n1"):
        with pytest.raises(ValueError):
            validate_device_id(bad)
    assert validate_device_id("d1") == "d1"


def test_normalize_record_refuses_what_a_store_cannot_hold_wherever_it_runs() -> None:
    """Persisters, processors and movers normalise too: the same limits hold on every hop."""
    with pytest.raises(ValueError, match="numbers must be finite"):
        normalize_record(reading(v=float("inf")))
    with pytest.raises(ValueError, match="reserved"):
        normalize_record(reading(ttl=5))
