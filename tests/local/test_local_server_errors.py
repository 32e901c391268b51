"""The local stand-ins' HTTP server: a caller that hung up is not an error of the run, anything
else a handler's server loop meets still prints its traceback."""

from __future__ import annotations

import pytest

from twin_ops.local.http import LocalServer


@pytest.fixture
def server():
    served = LocalServer("errors").start()
    yield served
    served.stop()


@pytest.mark.parametrize("gone", [BrokenPipeError(32, "Broken pipe"), ConnectionResetError(104, "Connection reset by peer")])
def test_a_caller_that_hung_up_prints_nothing(server, capsys, gone):
    try:
        raise gone
    except ConnectionError:
        server._server.handle_error(None, ("127.0.0.1", 1))
    assert capsys.readouterr().err == ""


def test_any_other_failure_still_prints_its_traceback(server, capsys):
    try:
        raise ValueError("a stand-in's own bug")
    except ValueError:
        server._server.handle_error(None, ("127.0.0.1", 1))
    err = capsys.readouterr().err
    assert "Traceback" in err and "a stand-in's own bug" in err
