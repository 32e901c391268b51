"""One JSON log line per log record, on every cloud, so one record can be followed across bridges.

Fields: `time`, `level` (and `severity`, the same, which Cloud Logging reads), `message`,
`function` (the role, twin_contract/functions.py), `cloud`, and where known `trace_id` (the
envelope's, logged by the sender when it sends and by the receiver when it receives),
`count` (records), `connection` (the bridge's connection id, on the receiving side),
`source_cloud`/`target_layer`, `device_id`, and `exception` (the traceback). The message is
sanitized: URL query strings (a Logic App's `sig=`) are redacted and control characters escaped;
tokens are never passed to a logger in the first place.
"""

from __future__ import annotations

import contextvars
import functools
import json
import logging
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, TypeVar

from runtime.core.sanitize import safe_text
from twin_contract.functions import FunctionRole
from twin_contract.wire import format_timestamp

F = TypeVar("F", bound=Callable[..., Any])
# Fields a log call may add with `extra={...}`, in the order they are written.
FIELDS = ("trace_id", "count", "connection", "source_cloud", "target_layer", "device_id")
MAX_MESSAGE = 2000
_QUERY = re.compile(r"(https?://[^\s?#]*)\?[^\s#]*")
# Read-only mappings: log_context replaces the value, it never changes one in place.
_context: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar("log_context", default=MappingProxyType({}))


class JsonFormatter(logging.Formatter):
    def __init__(self, cloud: str) -> None:
        super().__init__()
        self.cloud = cloud

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": format_timestamp(datetime.fromtimestamp(record.created, UTC)),
            "level": record.levelname,
            "severity": record.levelname,
            "message": safe_message(record.getMessage()),
            "function": None,
            "cloud": self.cloud,
            **_context.get(),
        }
        line.update({name: getattr(record, name) for name in FIELDS if getattr(record, name, None) is not None})
        if record.exc_info:
            line["exception"] = safe_message(self.formatException(record.exc_info), limit=8 * MAX_MESSAGE)
        return json.dumps(line, default=str, ensure_ascii=False)


def safe_message(text: str, limit: int = MAX_MESSAGE) -> str:
    """Query strings redacted (they may carry signatures), control characters escaped, length cut."""
    return safe_text(_QUERY.sub(r"\1?[redacted]", text), limit=limit)


def configure(cloud: str, level: str, quiet: Sequence[str] = ()) -> None:
    """JSON lines from the root logger at `level`; `quiet` loggers stay at INFO (an SDK that logs
    response bodies at DEBUG would log the token). The platform's own handler is kept (Lambda
    and Azure Functions route its output), only its format changes; without one, stderr."""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
    for handler in root.handlers:
        handler.setFormatter(JsonFormatter(cloud))
    root.setLevel(level)
    for name in quiet:
        logging.getLogger(name).setLevel(logging.INFO)


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Fields added to every line logged inside the block (this thread or task only)."""
    token = _context.set(MappingProxyType({**_context.get(), **{k: v for k, v in fields.items() if v is not None}}))
    try:
        yield
    finally:
        _context.reset(token)


def runs_as(role: FunctionRole | str, cloud: str | None = None) -> Callable[[F], F]:
    """Decorate a handler: every line it logs names its function role and cloud (one Azure app
    runs several roles; one test process runs several clouds)."""
    name = role if isinstance(role, str) else role.name

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def run(*args: Any, **kwargs: Any) -> Any:
            with log_context(function=name, cloud=cloud):
                return function(*args, **kwargs)

        return run  # type: ignore[return-value]

    return decorate
