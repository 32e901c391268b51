"""Function hosts: one process per Lambda function, Azure Function App or Cloud Function, each
forked from one `python -I function_host.py fork` interpreter that imported the platforms'
libraries once (function_host.fork_hosts); started together and stopped by `close()`."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twin_ops.local.function_platform import FUNCTION_HOST, boot_job
from twin_ops.local.output import SynthFunction

GOOGLE_CLIENTS = Path(__file__).resolve().parent / "google_clients.py"


class HostError(RuntimeError):
    """A function host did not start: the message quotes its log."""


@dataclass
class Host:
    function: SynthFunction
    spec_file: Path
    ready_file: Path
    log: Path
    url: str = ""
    port: int = 0

    @property
    def exit_file(self) -> Path:
        return Path(f"{self.ready_file}.exit")


class FunctionHosts:
    def __init__(self, workdir: Path, report_url: str) -> None:
        self._dir = workdir / "hosts"
        self._dir.mkdir(parents=True, exist_ok=True)
        self._report_url = report_url
        self.hosts: dict[str, Host] = {}
        self._listeners: list[socket.socket] = []
        self._process: subprocess.Popen | None = None
        self._log = self._dir / "hosts.log"

    def start(self, function: SynthFunction, environment: Mapping[str, str], listener: socket.socket | None = None,
              tls: Mapping[str, str] | None = None, hosts: Mapping[str, str] | None = None,
              google_clients_url: str | None = None, grants: Mapping[str, Any] | None = None, principal: str = "") -> None:
        """Add a host; every host starts at `wait_ready`. `listener`: a listening socket the host
        serves on (handed over, then closed here); without one the host picks a free port."""
        slug = function.label.replace("/", "__").replace(".", "_")
        spec_file, log, ready = self._dir / f"{slug}.json", self._dir / f"{slug}.log", self._dir / f"{slug}.ready"
        spec: dict[str, Any] = {
            **boot_job(function, environment),
            "ready_file": str(ready),
            "log_file": str(log),
            "report_url": self._report_url,
            "listen_fd": listener.fileno() if listener is not None else None,
            "tls": dict(tls) if tls else None,
            "hosts": dict(hosts or {}),
            "grants": grants,
            "google_clients": ({"module": str(GOOGLE_CLIENTS), "url": google_clients_url, "principal": principal}
                               if google_clients_url else None),
        }
        spec_file.write_text(json.dumps(spec), "utf-8")
        if listener is not None:
            self._listeners.append(listener)
        host = self.hosts[function.label] = Host(function, spec_file, ready, log)
        for stale in (ready, host.exit_file):
            stale.unlink(missing_ok=True)

    def _launch(self) -> None:
        with self._log.open("wb") as handle:
            self._process = subprocess.Popen(
                [sys.executable, "-I", str(FUNCTION_HOST), "fork", *(str(host.spec_file) for host in self.hosts.values())],
                stdout=handle, stderr=subprocess.STDOUT, cwd=self._dir, start_new_session=True,
                env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
                pass_fds=tuple(listener.fileno() for listener in self._listeners),
            )
        for listener in self._listeners:
            listener.close()  # the hosts hold them now
        self._listeners.clear()

    def wait_ready(self, timeout: float = 120.0) -> None:
        if self._process is None:
            self._launch()
        assert self._process is not None
        deadline = time.monotonic() + timeout
        for host in self.hosts.values():
            while not host.ready_file.is_file():
                if host.exit_file.is_file() or self._process.poll() is not None:
                    code = host.exit_file.read_text() if host.exit_file.is_file() else f"host server {self._process.returncode}"
                    log = host.log if host.log.is_file() else self._log
                    raise HostError(f"{host.function.label} did not start (exit {code}):\n"
                                    f"{log.read_text(errors='replace')[-3000:]}")
                if time.monotonic() > deadline:
                    raise HostError(f"{host.function.label} did not start within {timeout:g} s (log: {host.log})")
                time.sleep(0.02)
            host.port = json.loads(host.ready_file.read_text("utf-8"))["port"]
            scheme = "https" if host.function.cloud.value == "azure" else "http"
            host.url = f"{scheme}://127.0.0.1:{host.port}"

    def close(self) -> None:
        """SIGTERM to the host server, which ends every host it forked (SIGKILL to all of them after 10 s)."""
        for listener in self._listeners:
            listener.close()
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
