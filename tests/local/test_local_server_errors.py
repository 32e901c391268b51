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


def test_a_burst_of_callers_is_served_without_a_reset():
    """400 callers at once, each on a connection of its own (as urllib's clients of the stand-ins
    make them): none is refused. With socketserver's listen backlog of 5, 17-27 of them got
    "connection reset by peer" on this machine."""
    import threading
    import time
    import urllib.request

    from twin_ops.local.http import Response

    server = LocalServer("burst")
    server.route("POST", "/secret", lambda request: (time.sleep(0.02), Response(200, {"ok": True}))[1])
    server.start()
    errors: list[str] = []

    def call() -> None:
        request = urllib.request.Request(f"{server.url}/secret", data=b"{}", method="POST", headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()
        except OSError as error:
            errors.append(repr(error))

    try:
        callers = [threading.Thread(target=call) for _ in range(400)]
        for caller in callers:
            caller.start()
        for caller in callers:
            caller.join()
    finally:
        server.stop()
    assert errors == []
