"""A local run stops on SIGTERM and Ctrl-C, except for a signal it was started with ignored (a shell
script's background job ignores Ctrl-C), as the other operator commands do (twin_ops/processes.py)."""

from __future__ import annotations

import signal

import pytest

from twin_ops.local.runner import LocalRunStopped, _stopped_by_signals


@pytest.fixture
def restored():
    before = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    yield
    for signum, handler in before.items():
        signal.signal(signum, handler)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["Ctrl-C", "SIGTERM"])
def test_a_signal_stops_the_run_then_the_handlers_are_as_before(restored, signum):
    signal.signal(signum, signal.SIG_DFL if signum == signal.SIGTERM else signal.default_int_handler)
    before = signal.getsignal(signum)
    with pytest.raises(LocalRunStopped) as stopped, _stopped_by_signals():
        signal.raise_signal(signum)
    assert stopped.value.signum == signum and signal.getsignal(signum) is before


def test_a_signal_started_ignored_stays_ignored(restored):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with _stopped_by_signals():
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        signal.raise_signal(signal.SIGINT)  # nothing happens
        assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_IGN, signal.SIG_DFL)  # SIGTERM still stops it
    assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
