"""The broker fixture: one local-run broker (amqtt, or mosquitto when installed) per module."""

from __future__ import annotations

import pytest

from tests.simulator.broker import start_broker


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    broker, process = start_broker(tmp_path_factory.mktemp("broker"))
    yield broker
    process.terminate()
    process.wait(10)
