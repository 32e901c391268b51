"""Text that came from the other side of a bridge, made safe for logs and exceptions.

A receiver (or anything posing as one) controls its status line, headers and body. None of it
may forge a log line (CR/LF and other control characters are escaped), grow an exception
without bound (text is cut), or carry our own secrets back into our logs (the token and the
URL's query values, such as a Logic App's `sig=`, are redacted wherever they appear).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlsplit

MAX_TEXT = 200
REDACTED = "[redacted]"
# A receiver's `error.code` is shown only when it looks like one (ours: `invalid_json`, ...).
ERROR_CODE = re.compile(r"[A-Za-z][A-Za-z0-9_.:-]{0,63}")
# Query values shorter than this are not worth redacting (and would mangle ordinary words).
_MIN_SECRET = 4


def url_secrets(url: str) -> tuple[str, ...]:
    """The parts of a URL that must never be logged: its query string and each query value."""
    query = urlsplit(url).query
    if not query:
        return ()
    values = [value for _, value in parse_qsl(query, keep_blank_values=True) if len(value) >= _MIN_SECRET]
    return (query, *values)


def safe_text(text: str, secrets: Iterable[str] = (), limit: int = MAX_TEXT) -> str:
    """`text` with secrets redacted, control characters escaped, and at most `limit` characters."""
    text = text[: limit * 8]  # bounded work for huge inputs; the cut below keeps `limit`
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    escaped = "".join(char if char.isprintable() else ascii(char)[1:-1] for char in text)
    return escaped if len(escaped) <= limit else escaped[: limit - 3] + "..."


def safe_code(code: object, secrets: Iterable[str] = ()) -> str | None:
    """A receiver's error code when it is a short identifier free of secrets, else None."""
    if not isinstance(code, str) or not ERROR_CODE.fullmatch(code):
        return None
    if any(secret and (secret in code or code in secret) for secret in secrets if len(secret) >= _MIN_SECRET):
        return None
    return code
