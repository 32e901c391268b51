"""The real local servers a run starts: the MQTT broker (amqtt, or mosquitto), moto in server mode (AWS data
services), Azurite (Blob and Queue storage), gcp-storage-emulator (Cloud Storage).

Each is started only when the twin needs it, on a free loopback port, and stopped by `close()`.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import os
import random
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from twin_model.paths import REPO_ROOT
from twin_ops.local import broker
from twin_ops.local.tls import LocalTls

AZURITE = REPO_ROOT / "node_modules" / ".bin" / "azurite"
AZURITE_LOKI = Path(__file__).with_name("azurite_loki.js")  # loaded into Azurite: see Services._azurite
T = TypeVar("T")


class ServiceError(RuntimeError):
    """A local server could not start (not installed, or it exited): the message says which and how to fix it."""


PORTS_BELOW = 20_000  # the lowest port handed out (below it: well-known and registered services)
_handed_out: set[int] = set()


def free_port() -> int:
    """A free loopback port for a server that binds it later (a function host binds its port
    seconds after the deployment baked it into URLs). Taken below the kernel's ephemeral range:
    a port from the ephemeral range may meanwhile become the source port of any outgoing
    connection on this machine."""
    ephemeral_low = _ephemeral_low()
    for _ in range(200):
        port = random.randrange(PORTS_BELOW, ephemeral_low) if ephemeral_low > PORTS_BELOW + 1000 else 0
        if port in _handed_out:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            port = probe.getsockname()[1]
        _handed_out.add(port)
        return port
    raise ServiceError("no free loopback port")


def listening_socket() -> socket.socket:
    """A loopback socket already listening on a port of its own, to hand to a server process."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    listener.set_inheritable(True)
    return listener


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768


class PortTaken(ServiceError):
    """The chosen port went to another program before the server bound it: try another."""


def wait_for_port(port: int, process: subprocess.Popen | None, name: str, log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            text = log.read_text(errors="replace")[-1500:]
            if "in use" in text.lower() or "EADDRINUSE" in text:
                raise PortTaken(f"{name}: port {port} was taken")
            raise ServiceError(f"{name} exited with code {process.returncode}: {text}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                pass
        except OSError:
            time.sleep(0.1)
            continue
        if process is not None and _listens(process.pid, port) is False:
            raise PortTaken(f"{name}: another program answers on port {port}")
        return
    raise ServiceError(f"{name} did not listen on 127.0.0.1:{port} within {timeout:g} s (log: {log})")


def _listens(pid: int, port: int) -> bool | None:
    """Whether process `pid` holds the socket listening on `port`, from /proc (None where it cannot tell)."""
    try:
        lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
        inodes = {fields[9] for fields in (line.split() for line in lines)
                  if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port}
        held = {os.readlink(fd).removeprefix("socket:[").rstrip("]") for fd in Path(f"/proc/{pid}/fd").iterdir()}
    except (OSError, ValueError, IndexError):
        return None
    return bool(inodes & held) if inodes else None


def _on_free_ports(start: Callable[[], T], attempts: int = 3) -> T:
    """Start a server on freshly chosen ports, again on others when one was taken meanwhile."""
    for _ in range(attempts - 1):
        try:
            return start()
        except PortTaken:
            pass
    return start()


def serve_moto(argv: Sequence[str]) -> None:
    """moto's server (MOTO_SERVER runs it in a process of its own) with IoT certificate ids as IoT
    Core makes them (the SHA-256 of the DER), which the JITP stand-in looks certificates up by
    (twin_ops/local/standins/jitp.py); no log line per request (a sixth of moto's CPU in a fleet's
    run went to writing them). And what moto redoes at every request done once: the list of its
    service packages (a listdir and 180 stats, under its global lock), a response class's method
    names (inspect.getmembers), and the backend of a host name (a regex of every backend tried in
    turn): 60% of its CPU a request, and a fleet's onboarding makes 10 requests a device (JITP).
    Connections are kept alive, as AWS's endpoints keep them (`KeptAliveHandler`)."""
    import functools

    import moto.backends
    import moto.core.responses
    import moto.server
    from moto.core.config import default_user_config
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    default_user_config["iot"]["use_valid_cert"] = True
    modules = tuple(moto.backends.list_of_moto_modules())  # the installed packages: fixed while it runs
    moto.backends.list_of_moto_modules = lambda: modules
    moto.core.responses.method_names_from_class = functools.cache(moto.core.responses.method_names_from_class)
    backend_of = DomainDispatcherApplication.get_backend_for_host
    backends: dict[str | None, Any] = {}  # host name → backend: the URL patterns are fixed while it runs

    def get_backend_for_host(self: Any, host: str | None) -> Any:
        if host not in backends:
            backends[host] = backend_of(self, host)
        return backends[host]

    DomainDispatcherApplication.get_backend_for_host = get_backend_for_host
    moto.server.MotoRequestHandler = kept_alive_handler(moto.server.MotoRequestHandler)
    moto.server.main(list(argv))


def kept_alive_handler(base: type) -> type:
    """werkzeug's development server (moto's) closes the connection after every answer, since it
    cannot tell where an unread request body ends: every SDK call of the functions and the runner
    paid for a new connection, and moto for a new thread. This handler reads the body
    (Content-Length) before the app runs, so the connection is kept for the next request, as an
    AWS endpoint keeps it; a chunked body keeps werkzeug's close. No log line per request."""
    import io

    class KeptAliveHandler(base):  # type: ignore[misc, valid-type]
        disable_nagle_algorithm = True  # an answer goes out in two writes: no delayed-ACK wait on a kept connection
        _keep = False

        def log_request(self, *args: Any, **kwargs: Any) -> None:
            pass

        def run_wsgi(self) -> None:
            length = self.headers.get("Content-Length") or "0"
            self._keep = not self.headers.get("Transfer-Encoding") and length.isdigit()
            if not self._keep:
                return super().run_wsgi()
            # http.server answered a client's "Expect: 100-continue" (it waits for it to send the body)
            # when it parsed the request: werkzeug would answer it a second time
            del self.headers["Expect"]
            connection = self.rfile
            self.rfile = io.BytesIO(connection.read(int(length)))  # werkzeug's drain after the answer reads this, never the socket
            try:
                super().run_wsgi()
            finally:
                self.rfile = connection

        def send_header(self, keyword: str, value: str) -> None:
            if self._keep and keyword.lower() == "connection" and value.lower() == "close":
                return  # werkzeug's "always close": the request's own Connection header still decides
            super().send_header(keyword, value)

    return KeptAliveHandler


MOTO_SERVER = "import sys; from twin_ops.local.services import serve_moto; serve_moto(sys.argv[1:])"


@dataclass
class Process:
    name: str
    process: subprocess.Popen
    log: Path
    grace: float = 10.0  # seconds to exit after SIGTERM before SIGKILL

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=self.grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


_KEPT: dict[str, tuple[Process, str]] = {}  # servers kept between runs (`keep`): name → (process, URL)


def close_kept() -> None:
    """Stop the servers kept between runs."""
    while _KEPT:
        _KEPT.popitem()[1][0].stop()


atexit.register(close_kept)  # a process that kept a server and exits without close_kept() leaves no orphan


class Services:
    """Starts servers on demand; `close()` stops every one it started."""

    def __init__(self, workdir: Path, tls: LocalTls, keep: bool = False) -> None:
        self._dir, self._tls, self._keep = workdir, tls, keep
        self._processes: list[Process] = []
        self._closers: list = []
        self.broker_name = ""

    def _spawn(self, name: str, command: Sequence[str], env: dict[str, str] | None = None, grace: float = 10.0) -> Process:
        log = self._dir / f"{name}.log"
        handle = log.open("wb")
        process = subprocess.Popen(list(command), stdout=handle, stderr=subprocess.STDOUT, cwd=self._dir,
                                   env={**os.environ, **(env or {})}, start_new_session=True)
        handle.close()
        started = Process(name, process, log, grace)
        self._processes.append(started)
        return started

    def broker(self, mosquitto: bool = True) -> int:
        """Device MQTT over TLS with client certificates (the devices' X.509 identities), as IoT
        Core and IoT Hub ask: mosquitto when installed (and `mosquitto`), else amqtt (twin_ops/local/broker.py)."""
        return _on_free_ports(lambda: self._broker(mosquitto))

    def _broker(self, mosquitto: bool) -> int:
        port = free_port()
        self.broker_name, process = broker.start(self._dir, self._tls.ca_file, self._tls.cert_file, self._tls.key_file,
                                                 [(port, True)], self._dir / "broker.log", mosquitto)
        started = Process(self.broker_name, process, self._dir / "broker.log")
        self._processes.append(started)
        self._wait(port, started, self.broker_name)
        return port

    def moto(self) -> str:
        """With `keep`, one moto server serves this process's runs one after another, reset (every
        backend emptied, as new) at each run's start: a start and its backends' imports cost 1.3 s of
        CPU, more than a test's run asks of it. `close_kept()` stops it."""
        kept = _KEPT.get("moto")
        if self._keep and kept is not None and kept[0].process.poll() is None:
            urllib.request.urlopen(urllib.request.Request(f"{kept[1]}/moto-api/reset", method="POST"), timeout=30).read()
            return kept[1]
        url = _on_free_ports(self._moto)
        if self._keep:  # the other servers start meanwhile: this one is found by name
            process = next(p for p in self._processes if p.name == "moto")
            self._processes.remove(process)
            _KEPT["moto"] = (process, url)
        return url

    def _moto(self) -> str:
        port = free_port()
        process = self._spawn("moto", [sys.executable, "-c", MOTO_SERVER, "-H", "127.0.0.1", "-p", str(port)])
        self._wait(port, process, "moto server")
        return f"http://127.0.0.1:{port}"

    def azurite(self, accounts: Sequence[str]) -> dict[str, str]:
        """Blob and Queue service URLs (https, OAuth: the functions use bearer tokens of their
        managed identity) for the storage accounts the twin declares."""
        if not AZURITE.is_file():
            raise ServiceError(f"Azurite is missing ({AZURITE}): run `make install` (npm dev dependency)")
        return _on_free_ports(lambda: self._azurite(accounts))

    def _azurite(self, accounts: Sequence[str]) -> dict[str, str]:
        blob, queue = free_port(), free_port()
        keys = ";".join(f"{name}:{base64.b64encode(secrets.token_bytes(32)).decode()}" for name in accounts)
        # Its data in files of the run's folder, not in memory (--inMemoryPersistence): in memory, every
        # queue message is an extent of its own, and the queue's garbage collection, once a minute,
        # removes the deleted messages' extents one by one from an indexed LokiJS collection, in
        # quadratic time without yielding: at 300 devices × 10 messages it held Azurite at full CPU,
        # answering nothing, for 22 s, past the functions' storage timeout (15 s); with AZURITE_LOKI
        # the queues kept up, but the hot→cold stage stalled (Azurite at 154 CPU-s instead of 35, 92
        # function errors). On disk, messages share a few extent files. AZURITE_LOKI: LokiJS's index
        # rebuilds on every queue call gone (see the file). No telemetry: Azurite (3.35 and later)
        # otherwise records every request for Microsoft's telemetry service, compresses and sends it
        # (or spools it under /tmp when it cannot). Strict: no --loose (it would accept headers and
        # parameters the service refuses).
        preload = f'--require "{AZURITE_LOKI}"'
        process = self._spawn("azurite", [
            str(AZURITE), "--silent", "--disableTelemetry", "--location", str(self._dir / "azurite"), "--skipApiVersionCheck",
            "--disableProductStyleUrl",
            "--blobHost", "127.0.0.1", "--blobPort", str(blob), "--queueHost", "127.0.0.1", "--queuePort", str(queue),
            "--tableHost", "127.0.0.1", "--tablePort", str(free_port()),
            "--oauth", "basic", "--cert", str(self._tls.cert_file), "--key", str(self._tls.key_file),
        ], env={"AZURITE_ACCOUNTS": keys, "NODE_OPTIONS": f"{os.environ.get('NODE_OPTIONS', '')} {preload}".strip()},
            grace=1.0)  # scratch files, nothing to keep; it waits for idle keep-alive clients
        for port in (blob, queue):
            self._wait(port, process, "Azurite")
        return {"blob": f"https://127.0.0.1:{blob}", "queue": f"https://127.0.0.1:{queue}"}

    def gcs(self) -> str:
        from gcp_storage_emulator.server import create_server

        server = create_server("127.0.0.1", 0, in_memory=True)  # bound in its own thread: port 0, read back below
        server.start()
        self._closers.append(server.stop)
        return f"http://127.0.0.1:{server._api._httpd.server_address[1]}"  # noqa: SLF001 - the emulator keeps it there

    def _wait(self, port: int, process: Process, name: str) -> None:
        """Until `process` listens on `port`; a process that lost its port is stopped (PortTaken)."""
        try:
            wait_for_port(port, process.process, name, process.log)
        except PortTaken:
            process.stop()
            self._processes.remove(process)
            raise

    def close(self) -> None:
        for process in reversed(self._processes):
            process.stop()
        for closer in reversed(self._closers):
            with contextlib.suppress(Exception):  # stopping an emulator must not hide the run's outcome
                closer()
        self._processes.clear()
        self._closers.clear()
