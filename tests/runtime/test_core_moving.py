"""The movers' shared use case: payloads move side by side, each removed only after its delivery."""

import threading

import pytest

from runtime.core import logs, moving
from runtime.core.moving import MOVERS_IN_FLIGHT, move_records
from tests.runtime.runtime_testing import record


def fleet(devices: int) -> list[dict]:
    return [record(f"d{device}", second) for device in range(devices) for second in range(2)]


def test_payloads_move_side_by_side() -> None:
    """A fleet's run is thousands of round trips: one at a time, their latency adds up."""
    arrived = threading.Barrier(MOVERS_IN_FLIGHT, timeout=5)  # breaks unless that many deliveries wait at once
    removed: list[str] = []
    assert (
        move_records(fleet(MOVERS_IN_FLIGHT), "aws", lambda payload: arrived.wait(), lambda payload: removed.append(payload.device_id))
        == MOVERS_IN_FLIGHT
    )
    assert sorted(removed) == [f"d{device}" for device in range(MOVERS_IN_FLIGHT)]


def test_a_failed_delivery_raises_and_removes_nothing_of_its_payload() -> None:
    removed: list[str] = []

    def deliver(payload: moving.MoverPayload) -> None:
        if payload.device_id == "d1":
            raise OSError("receiver down")

    with pytest.raises(OSError, match="receiver down"):
        move_records(fleet(3), "aws", deliver, lambda payload: removed.append(payload.device_id))
    assert "d1" not in removed


def test_deliveries_log_under_the_callers_context() -> None:
    seen: list[object] = []
    with logs.log_context(function="hot_to_cold"):
        move_records(fleet(2), "aws", lambda payload: seen.append(logs._context.get().get("function")))
    assert seen == ["hot_to_cold", "hot_to_cold"]
