"""Function hosts: one `python -I function_host.py serve` process per Lambda function, Azure
Function App or Cloud Function, started together and stopped by `close()`."""

from __future__ import annotations

import json
import os
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
    process: subprocess.Popen
    ready_file: Path
    log: Path
    url: str = ""
    port: int = 0

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


class FunctionHosts:
    def __init__(self, workdir: Path, report_url: str) -> None:
        self._dir = workdir / "hosts"
        self._dir.mkdir(parents=True, exist_ok=True)
        self._report_url = report_url
        self.hosts: dict[str, Host] = {}

    def start(self, function: SynthFunction, environment: Mapping[str, str], listener: socket.socket | None = None,
              tls: Mapping[str, str] | None = None, hosts: Mapping[str, str] | None = None,
              google_clients_url: str | None = None, grants: Mapping[str, Any] | None = None, principal: str = "") -> Host:
        """`listener`: a listening socket the host serves on (handed over, then closed here);
        without one the host picks a free port."""
        slug = function.label.replace("/", "__").replace(".", "_")
        spec: dict[str, Any] = {
            **boot_job(function, environment),
            "ready_file": str(self._dir / f"{slug}.ready"),
            "report_url": self._report_url,
            "listen_fd": listener.fileno() if listener is not None else None,
            "tls": dict(tls) if tls else None,
            "hosts": dict(hosts or {}),
            "grants": grants,
            "google_clients": ({"module": str(GOOGLE_CLIENTS), "url": google_clients_url, "principal": principal}
                               if google_clients_url else None),
        }
        spec_file, log = self._dir / f"{slug}.json", self._dir / f"{slug}.log"
        spec_file.write_text(json.dumps(spec), "utf-8")
        Path(spec["ready_file"]).unlink(missing_ok=True)
        with log.open("wb") as handle:
            process = subprocess.Popen(
                [sys.executable, "-I", str(FUNCTION_HOST), "serve", str(spec_file)],
                stdout=handle, stderr=subprocess.STDOUT, cwd=self._dir, start_new_session=True,
                env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
                pass_fds=(listener.fileno(),) if listener is not None else (),
            )
        if listener is not None:
            listener.close()  # the host holds it now
        host = Host(function, process, Path(spec["ready_file"]), log)
        self.hosts[function.label] = host
        return host

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        for host in self.hosts.values():
            while not host.ready_file.is_file():
                if host.process.poll() is not None:
                    raise HostError(f"{host.function.label} did not start (exit {host.process.returncode}):\n"
                                    f"{host.log.read_text(errors='replace')[-3000:]}")
                if time.monotonic() > deadline:
                    raise HostError(f"{host.function.label} did not start within {timeout:g} s (log: {host.log})")
                time.sleep(0.05)
            host.port = json.loads(host.ready_file.read_text("utf-8"))["port"]
            scheme = "https" if host.function.cloud.value == "azure" else "http"
            host.url = f"{scheme}://127.0.0.1:{host.port}"

    def close(self) -> None:
        for host in self.hosts.values():  # all at once: each may take a moment to exit
            if host.process.poll() is None:
                host.process.terminate()
        for host in self.hosts.values():
            host.stop()
