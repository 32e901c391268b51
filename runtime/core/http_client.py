"""The one HTTP client of every bridge sender: POST JSON with the inter-cloud token (DESIGN §5).

Keep-alive connections are pooled per host (a new TCP+TLS handshake per request costs far
more than the request). Network errors, 5xx and 429 are retried with exponential backoff and
jitter, honouring Retry-After, within a bounded number of attempts and a total deadline; other
4xx are final. Failures raise DeliveryError so the platform's retry/dead-letter path keeps the
data. Neither the token nor the URL's query string ever reaches a log or an exception.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import logging
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from runtime.core.receiver import TOKEN_HEADER

logger = logging.getLogger(__name__)

Origin = tuple[str, str, int]
# Errors of a pooled connection the server closed while it sat idle: resend on a new one.
_STALE_CONNECTION_ERRORS = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)


class DeliveryError(Exception):
    """The receiver did not accept the request; `status` is the last HTTP status, if any."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    initial_delay: float = 0.2  # seconds before the 2nd attempt, doubled each time
    max_delay: float = 5.0
    deadline: float = 25.0  # seconds for all attempts and waits together
    timeout: float = 10.0  # seconds per attempt (connect and each socket read)


def validate_url(url: str) -> str:
    """HTTPS only; plain http only for loopback (tests). Usable as an environment parser."""
    parts = urlsplit(url)
    if not parts.hostname or parts.username or parts.password:
        raise ValueError("URL must be absolute and carry no credentials")
    if parts.scheme != "https" and not (parts.scheme == "http" and _is_loopback(parts.hostname)):
        raise ValueError("URL must use https (plain http only for loopback addresses)")
    return url


class InterCloudClient:
    """Sends to one receiver URL; `token` is called once per request (secrets rotate)."""

    def __init__(
        self,
        url: str,
        token: Callable[[], str],
        policy: RetryPolicy = RetryPolicy(),
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        parts = urlsplit(validate_url(url))
        port = parts.port or (443 if parts.scheme == "https" else 80)
        self._origin: Origin = (parts.scheme, parts.hostname or "", port)
        self._target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.label = f"{parts.scheme}://{parts.hostname}:{port}{parts.path}"  # safe to log
        self._token, self._policy = token, policy
        self._sleep, self._clock, self._jitter = sleep, clock, jitter

    def post(self, body: Any) -> Any:
        """POST `body` as JSON; returns the decoded JSON answer (None when empty)."""
        data = json.dumps(body, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", TOKEN_HEADER: self._checked_token()}
        policy, started = self._policy, self._clock()
        for attempt in range(1, policy.max_attempts + 1):
            remaining = policy.deadline - (self._clock() - started)
            status, wait = None, 0.0
            try:
                status, response_headers, payload = self._exchange(data, headers, min(policy.timeout, remaining))
            except (OSError, http.client.HTTPException) as exc:
                failure = f"{type(exc).__name__}: {exc}"
            else:
                if 200 <= status < 300:
                    return self._decoded(status, payload)
                failure = f"HTTP {status}{_error_code(payload)}"
                if status != 429 and status < 500:
                    raise DeliveryError(f"POST {self.label} was refused: {failure}", status)
                wait = _retry_after(response_headers.get("Retry-After"))
            delay = max(self._backoff(attempt), wait)
            if attempt == policy.max_attempts or self._clock() - started + delay >= policy.deadline:
                break
            logger.warning("POST %s attempt %d failed (%s); retrying in %.2fs", self.label, attempt, failure, delay)
            self._sleep(delay)
        raise DeliveryError(f"POST {self.label} failed after {attempt} attempt(s): {failure}", status)

    def _decoded(self, status: int, payload: bytes) -> Any:
        try:
            return json.loads(payload) if payload else None
        except ValueError as exc:
            raise DeliveryError(f"POST {self.label} answered {status} with a body that is not JSON", status) from exc

    def _checked_token(self) -> str:
        token = self._token()
        # http.client would echo a malformed header value in its exception message.
        if not token or any(char in token for char in "\r\n\0"):
            raise DeliveryError(f"the inter-cloud token for {self.label} is empty or malformed")
        return token

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self._policy.max_delay, self._policy.initial_delay * 2 ** (attempt - 1))
        return ceiling * (0.5 + self._jitter() / 2)

    def _exchange(self, data: bytes, headers: Mapping[str, str], timeout: float) -> tuple[int, Any, bytes]:
        connection, reused = _POOL.acquire(self._origin, timeout)
        try:
            return self._round_trip(connection, data, headers)
        except _STALE_CONNECTION_ERRORS:
            if not reused:
                raise
            return self._round_trip(_POOL.connect(self._origin, timeout), data, headers)

    def _round_trip(
        self, connection: http.client.HTTPConnection, data: bytes, headers: Mapping[str, str]
    ) -> tuple[int, Any, bytes]:
        try:
            # A bytes body goes out in the same write as the headers (no Nagle/delayed-ACK stall).
            connection.request("POST", self._target, body=data, headers=dict(headers))
            response = connection.getresponse()
            payload = response.read()
        except BaseException:
            connection.close()
            raise
        if response.will_close:
            connection.close()
        else:
            _POOL.release(self._origin, connection)
        return response.status, response.headers, payload


class _ConnectionPool:
    """Idle keep-alive connections per origin; a connection serves one request at a time."""

    def __init__(self) -> None:
        self._idle: dict[Origin, list[http.client.HTTPConnection]] = defaultdict(list)
        self._lock = threading.Lock()

    def acquire(self, origin: Origin, timeout: float) -> tuple[http.client.HTTPConnection, bool]:
        with self._lock:
            connection = self._idle[origin].pop() if self._idle[origin] else None
        if connection is None:
            return self.connect(origin, timeout), False
        connection.timeout = timeout
        if connection.sock is not None:
            connection.sock.settimeout(timeout)
        return connection, True

    def connect(self, origin: Origin, timeout: float) -> http.client.HTTPConnection:
        scheme, host, port = origin
        factory = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
        return factory(host, port, timeout=timeout)

    def release(self, origin: Origin, connection: http.client.HTTPConnection) -> None:
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


def _retry_after(value: str | None) -> float:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date); 0 if absent."""
    if not value:
        return 0.0
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return 0.0


def _error_code(payload: bytes) -> str:
    """The receiver's `error.code`, when its body has one (bodies are never echoed whole)."""
    try:
        return f" ({json.loads(payload)['error']['code']})"
    except (ValueError, KeyError, TypeError):
        return ""
