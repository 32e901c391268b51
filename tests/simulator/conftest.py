"""The broker fixture: one mosquitto per module; tests are skipped only if mosquitto is not installed."""

from __future__ import annotations

import pytest

from tests.simulator.broker import MOSQUITTO, start_broker


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    if MOSQUITTO is None:
        pytest.skip("mosquitto is not installed (Debian/Ubuntu: apt-get install mosquitto); .ci/run installs it")
    broker, process = start_broker(tmp_path_factory.mktemp("broker"))
    yield broker
    process.terminate()
    process.wait(10)
