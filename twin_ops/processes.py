"""Every process an operator command starts ends with it: on success, failure, Ctrl-C and SIGTERM.

Python ends at SIGTERM without unwinding, and a child (the CDK CLI and the node and python
processes it starts, terraform and its provider plugins) would outlive it. So the command turns
SIGTERM and SIGHUP into `Stopped`, a KeyboardInterrupt, and unwinds as for Ctrl-C; each child
runs in a process group of its own, which gets the same signal when the command is stopped
(terraform then releases its state lock), SIGKILL after a grace period, and SIGKILL for whatever
of the group outlives the child in any case (a background process a script left behind).

A signal the command was started with ignored stays ignored, as Python does for Ctrl-C: `nohup`
ignores SIGHUP so that the command outlives its terminal, and a shell script's background job
ignores Ctrl-C; the children inherit that, and the other signals still stop the command.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

GRACE_SECONDS = 10.0  # how long a stopped child may take to end cleanly
STOPPING_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class Stopped(KeyboardInterrupt):
    """The command received SIGTERM or SIGHUP: unwinds like Ctrl-C, so every cleanup runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextmanager
def stopping_on_signals() -> Iterator[None]:
    """Within: SIGTERM and SIGHUP raise Stopped in the main thread (Ctrl-C already raises KeyboardInterrupt),
    unless the command was started with them ignored (`nohup`)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise Stopped(signum)

    previous = {signum: signal.signal(signum, stop) for signum in STOPPING_SIGNALS
                if signal.getsignal(signum) is not signal.SIG_IGN}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def exit_code(stop: KeyboardInterrupt) -> int:
    """The shell's convention: 128 + the signal's number (130 for Ctrl-C, 143 for SIGTERM)."""
    return 128 + (stop.signum if isinstance(stop, Stopped) else signal.SIGINT)


def run(command: Sequence[str], cwd: str | os.PathLike[str] | None = None, capture: bool = False,
        grace: float = GRACE_SECONDS) -> subprocess.CompletedProcess[str]:
    """`command` in a process group of its own, ended with the caller (OSError when it cannot start)."""
    pipe = subprocess.PIPE if capture else None
    held = _HeldSignals()
    try:
        process = subprocess.Popen(command, cwd=cwd, stdout=pipe, stderr=pipe, text=True, process_group=0)
    except BaseException:
        held.release()
        raise
    with process:
        try:
            held.release()  # a signal that came while the child started acts now, with the child known
            out, err = process.communicate()
        except BaseException as stop:
            _end_group(process, signal.SIGTERM if isinstance(stop, Stopped) else signal.SIGINT, grace)
            raise
        finally:
            _kill_group(process.pid)
    return subprocess.CompletedProcess(list(command), process.returncode, out, err)


class _HeldSignals:
    """Ctrl-C, SIGTERM and SIGHUP wait while a child starts: raised inside Popen, they would leave the
    child running unseen, still holding the command's output open (a tool that ignores SIGTERM then
    keeps the caller waiting for ever)."""

    SIGNALS = (signal.SIGINT, *STOPPING_SIGNALS)

    def __init__(self) -> None:
        self._pending: list[int] = []
        self._previous: dict[int, Any] = {}
        if threading.current_thread() is threading.main_thread():
            self._previous = {signum: signal.signal(signum, self._hold) for signum in self.SIGNALS}

    def _hold(self, signum: int, frame: object) -> None:
        self._pending.append(signum)

    def release(self) -> None:
        """The handlers as they were, then the signals that came meanwhile, delivered to them."""
        previous, self._previous = self._previous, {}
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        pending, self._pending = self._pending, []
        for signum in dict.fromkeys(pending):
            signal.raise_signal(signum)


def _end_group(process: subprocess.Popen[str], signum: int, grace: float) -> None:
    """The signal the command got, to the child's whole group; SIGKILL if it is not gone in time."""
    try:
        os.killpg(process.pid, signum)
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    except ProcessLookupError:
        return
    finally:  # also when a second Ctrl-C cuts the wait short
        _kill_group(process.pid)
        process.wait()


def _kill_group(group: int) -> None:
    # ProcessLookupError: the group is gone; PermissionError: its id now names another user's group.
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal.SIGKILL)
