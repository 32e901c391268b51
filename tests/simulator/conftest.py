"""The broker fixture: one amqtt broker (the local runs' own) per module."""

from __future__ import annotations

import pytest

from tests.simulator.broker import start_broker


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    broker, process = start_broker(tmp_path_factory.mktemp("broker"))
    yield broker
    process.terminate()
    process.wait(10)
