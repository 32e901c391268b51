"""A receiver that misbehaves on purpose: a raw TCP server on 127.0.0.1 that reads one HTTP request
per connection and answers with whatever bytes a script writes, as slowly as it likes.

Used by the sender's fault tests (slow-loris answers, huge answers, hostile error bodies). Every
connection's script ends when the client goes away or the server stops; nothing outlives `stop()`.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field


class Connection:
    """The server side of one exchange, handed to the script."""

    def __init__(self, sock: socket.socket, stopping: threading.Event) -> None:
        self._sock, self._stopping = sock, stopping
        self.sent = 0

    def send(self, data: bytes) -> bool:
        """Write `data`; False once the client has gone (or the server is stopping)."""
        if self._stopping.is_set():
            return False
        try:
            self._sock.sendall(data)
        except OSError:
            return False
        self.sent += len(data)
        return True

    def drip(self, data: bytes, interval: float) -> bool:
        """Write `data` one byte at a time, `interval` seconds apart (a slow-loris answer)."""
        return all(self.send(data[index : index + 1]) and not self._stopping.wait(interval) for index in range(len(data)))

    def hold(self, seconds: float) -> None:
        """Answer nothing for `seconds` (or until the server stops)."""
        self._stopping.wait(seconds)

    def stream(self, chunk: bytes, total: int) -> bool:
        """Write `chunk` repeatedly, `total` bytes in all, until the client stops reading."""
        while self.sent < total:
            if not self.send(chunk):
                return False
        return True


Script = Callable[[Connection], None]


def response_head(status: int = 200, reason: str = "OK", **headers: str) -> bytes:
    lines = [f"HTTP/1.1 {status} {reason}", *(f"{name.replace('_', '-')}: {value}" for name, value in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


@dataclass
class HostileServer:
    script: Script
    requests: list[bytes] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)  # bytes each finished connection managed to write

    def start(self) -> HostileServer:
        self._stopping = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, daemon=True)
        self._acceptor.start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}/receiver"

    def stop(self) -> None:
        self._stopping.set()
        self._acceptor.join(timeout=5)
        for thread in self._threads:
            thread.join(timeout=5)
        self._listener.close()

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, sock: socket.socket) -> None:
        with sock:
            sock.settimeout(5)
            try:
                self.requests.append(_read_request(sock))
            except OSError:
                return
            connection = Connection(sock, self._stopping)
            self.script(connection)
            self.sent.append(connection.sent)


def _read_request(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")), 0
    )
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body
