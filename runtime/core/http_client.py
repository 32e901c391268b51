"""The one HTTP client of every bridge sender: POST JSON with the inter-cloud token (docs/design.md §5).

Keep-alive connections are pooled per host (a new TCP+TLS handshake per request costs far
more than the request). Network errors, 5xx and 429 are retried with exponential backoff and
jitter, honouring Retry-After, within a bounded number of attempts and a total deadline; other
4xx are final. Failures raise DeliveryError so the platform's retry/dead-letter path keeps the
data. Neither the token nor the URL's query string ever reaches a log or an exception.

The receiver is not trusted with our time or memory: each attempt, from connect to the last
byte of the answer, ends by its deadline (a receiver dripping one byte a second cannot hold the
sender), answers are read up to a cap, and what the receiver says reaches logs and exceptions
only through runtime.core.sanitize.
"""

from __future__ import annotations

import http.client
import io
import ipaddress
import json
import logging
import math
import random
import socket
import ssl
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from runtime.core.delivery_metrics import report_delivery
from runtime.core.errors import InvalidInput
from runtime.core.limits import parse_json
from runtime.core.retry import RetryPolicy, next_delay, retry_after, retryable
from runtime.core.sanitize import safe_code, safe_text, url_secrets
from twin_contract.wire import TOKEN_HEADER

logger = logging.getLogger(__name__)

Origin = tuple[str, str, int]
# Errors of a pooled connection the server closed while it sat idle: resend on a new one. Over TLS
# a server that closes without close_notify ends the next read in SSLEOFError (OpenSSL 3), one that
# sends it in SSLZeroReturnError.
_STALE_CONNECTION_ERRORS = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError, ssl.SSLEOFError,
                            ssl.SSLZeroReturnError)
# Error answers are read only far enough to find their `error.code`.
MAX_ERROR_BODY_BYTES = 64 * 1024
# Header values must be visible ASCII: anything else would be mangled or refused by http.client.
_TOKEN_CHARACTERS = frozenset(chr(code) for code in range(0x21, 0x7F))


class DeliveryError(Exception):
    """The receiver did not accept the request; `status` is the last HTTP status, if any."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


DEFAULT_POLICY = RetryPolicy()


def validate_url(url: str) -> str:
    """HTTPS only; plain http only for loopback (tests). Usable as an environment parser."""
    parts = urlsplit(url)
    if not parts.hostname or parts.username or parts.password:
        raise ValueError("URL must be absolute and carry no credentials")
    if parts.scheme != "https" and not (parts.scheme == "http" and _is_loopback(parts.hostname)):
        raise ValueError("URL must use https (plain http only for loopback addresses)")
    return url


@dataclass
class _Tally:
    attempts: int = 0  # requests made so far for one delivery


class InterCloudClient:
    """Sends to one receiver URL; `token` is called once per request (secrets rotate)."""

    def __init__(
        self,
        url: str,
        token: Callable[[], str],
        policy: RetryPolicy = DEFAULT_POLICY,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        parts = urlsplit(validate_url(url))
        port = parts.port or (443 if parts.scheme == "https" else 80)
        self._origin: Origin = (parts.scheme, parts.hostname or "", port)
        self._target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.label = safe_text(f"{parts.scheme}://{parts.hostname}:{port}{parts.path}")  # safe to log
        self._url_secrets = url_secrets(url)
        self._token, self._policy = token, policy
        self._sleep, self._clock, self._jitter = sleep, clock, jitter

    def post(self, body: Any) -> Any:
        """POST `body` as JSON; returns the decoded JSON answer (None when empty).

        Each request, delivered or finally failed, is reported once (runtime.core.delivery_metrics):
        the failures are what the bridge alarms count.
        """
        tally, started = _Tally(), self._clock()
        try:
            answer = self._send(body, tally)
        except DeliveryError as error:
            report_delivery(self.label, delivered=False, attempts=tally.attempts,
                            seconds=self._clock() - started, status=error.status)
            raise
        report_delivery(self.label, delivered=True, attempts=tally.attempts, seconds=self._clock() - started, status=None)
        return answer

    def _send(self, body: Any, tally: _Tally) -> Any:
        data = json.dumps(body, separators=(",", ":")).encode()
        token = self._checked_token()
        headers = {"Content-Type": "application/json", TOKEN_HEADER: token}
        secrets = (token, *self._url_secrets)
        policy, started = self._policy, self._clock()
        for attempt in range(1, policy.max_attempts + 1):
            tally.attempts = attempt
            remaining = policy.deadline - (self._clock() - started)
            status, wait = None, 0.0
            try:
                # The attempt's end, on the real clock the sockets use.
                ends = time.monotonic() + max(0.0, min(policy.timeout, remaining))
                status, response_headers, payload, complete = self._exchange(data, headers, ends)
            except (OSError, http.client.HTTPException) as exc:
                failure = _describe(exc, secrets)
            else:
                if 200 <= status < 300:
                    if not complete:
                        raise DeliveryError(
                            f"POST {self.label} answered {status} with more than {policy.max_response_bytes} bytes",
                            status,
                        )
                    return self._decoded(status, payload)
                failure = f"HTTP {status}{_error_code(payload, secrets)}"
                if not retryable(status):
                    raise DeliveryError(f"POST {self.label} was refused: {failure}", status)
                wait = retry_after(response_headers.get("Retry-After"))
            delay = next_delay(policy, attempt, self._clock() - started, self._jitter(), wait)
            if delay is None:
                break
            logger.warning("POST %s attempt %d failed (%s); retrying in %.2fs", self.label, attempt, failure, delay)
            self._sleep(delay)
        raise DeliveryError(f"POST {self.label} failed after {attempt} attempt(s): {failure}", status)

    def _decoded(self, status: int, payload: bytes) -> Any:
        try:
            return parse_json(payload) if payload else None
        except InvalidInput:
            raise DeliveryError(f"POST {self.label} answered {status} with a body that is not JSON", status) from None

    def _checked_token(self) -> str:
        token = self._token()
        # http.client would echo a malformed header value in its exception message, and encodes
        # values as latin-1 (UnicodeEncodeError, quoting the character, for anything beyond).
        if not isinstance(token, str) or not token or not set(token) <= _TOKEN_CHARACTERS:
            raise DeliveryError(f"the inter-cloud token for {self.label} is empty or malformed")
        return token

    def _exchange(self, data: bytes, headers: Mapping[str, str], ends: float) -> tuple[int, Any, bytes, bool]:
        connection, reused = _POOL.acquire(self._origin)
        try:
            return self._round_trip(connection, data, headers, ends)
        except _STALE_CONNECTION_ERRORS:
            if not reused:
                raise
            return self._round_trip(_POOL.connect(self._origin), data, headers, ends)

    def _round_trip(
        self, connection: _DeadlineConnection, data: bytes, headers: Mapping[str, str], ends: float
    ) -> tuple[int, Any, bytes, bool]:
        try:
            connection.timeout = _left(ends)
            if connection.sock is None:
                connection.connect()
            connection.sock.settimeout(_left(ends))  # sendall: the timeout bounds the whole send
            connection.ends = ends
            # A bytes body goes out in the same write as the headers (no Nagle/delayed-ACK stall).
            connection.request("POST", self._target, body=data, headers=dict(headers))
            response = connection.getresponse()
            cap = self._policy.max_response_bytes if 200 <= response.status < 300 else MAX_ERROR_BODY_BYTES
            payload, complete = _read_capped(response, cap)
        except BaseException:
            connection.close()
            raise
        if response.will_close or not complete or not response.isclosed():
            connection.close()
        else:
            _POOL.release(self._origin, connection)
        return response.status, response.headers, payload, complete


class _DeadlineReader(io.RawIOBase):
    """The response's socket reads, each given only the time left until the attempt ends."""

    def __init__(self, raw: io.RawIOBase, sock: socket.socket, ends: float) -> None:
        super().__init__()
        self._raw, self._sock, self._ends = raw, sock, ends

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self._sock.settimeout(_left(self._ends))
        return self._raw.readinto(buffer)

    def close(self) -> None:
        if not self.closed:
            self._raw.close()  # releases the socket file's reference, as http.client expects
        super().close()


class _DeadlineResponse(http.client.HTTPResponse):
    def __init__(self, sock: socket.socket, *args: Any, ends: float, **kwargs: Any) -> None:
        super().__init__(sock, *args, **kwargs)
        self.fp = io.BufferedReader(_DeadlineReader(self.fp.detach(), sock, ends))


class _DeadlineConnection(http.client.HTTPConnection):
    """An HTTP connection whose responses are read against `ends` (time.monotonic())."""

    ends = math.inf

    # http.client calls response_class(sock, ...) as a factory: a method that binds `ends` serves as one.
    def response_class(self, sock: socket.socket, *args: Any, **kwargs: Any) -> _DeadlineResponse:  # type: ignore[override]
        return _DeadlineResponse(sock, *args, ends=self.ends, **kwargs)


class _DeadlineHTTPSConnection(_DeadlineConnection, http.client.HTTPSConnection):
    pass


class _ConnectionPool:
    """Idle keep-alive connections per origin; a connection serves one request at a time."""

    def __init__(self) -> None:
        self._idle: dict[Origin, list[_DeadlineConnection]] = defaultdict(list)
        self._lock = threading.Lock()

    def acquire(self, origin: Origin) -> tuple[_DeadlineConnection, bool]:
        with self._lock:
            connection = self._idle[origin].pop() if self._idle[origin] else None
        if connection is None:
            return self.connect(origin), False
        return connection, True

    def connect(self, origin: Origin) -> _DeadlineConnection:
        """A new connection; it connects on first use, within the attempt's time."""
        scheme, host, port = origin
        factory = _DeadlineHTTPSConnection if scheme == "https" else _DeadlineConnection
        return factory(host, port)

    def release(self, origin: Origin, connection: _DeadlineConnection) -> None:
        with self._lock:
            self._idle[origin].append(connection)


_POOL = _ConnectionPool()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _left(ends: float) -> float:
    """Seconds until `ends`; TimeoutError once it has passed."""
    left = ends - time.monotonic()
    if left <= 0:
        raise TimeoutError("the attempt ran out of time")
    return left


def _read_capped(response: http.client.HTTPResponse, cap: int) -> tuple[bytes, bool]:
    """At most `cap` bytes of the body, and whether that was all of it."""
    if response.length is not None and response.length > cap:
        return b"", False
    payload = response.read(cap + 1)
    return (payload[:cap], False) if len(payload) > cap else (payload, True)


def _describe(exc: BaseException, secrets: Sequence[str]) -> str:
    """A failure in our words: http.client's messages quote what the receiver sent."""
    if isinstance(exc, http.client.HTTPException):
        return type(exc).__name__
    return f"{type(exc).__name__}: {safe_text(str(exc), secrets, limit=120)}"


def _error_code(payload: bytes, secrets: Sequence[str]) -> str:
    """The receiver's `error.code`, when it is a short identifier (bodies are never echoed)."""
    try:
        code = json.loads(payload)["error"]["code"]
    except (ValueError, KeyError, TypeError, IndexError, RecursionError):
        return ""
    shown = safe_code(code, secrets)
    return f" ({shown})" if shown else ""
