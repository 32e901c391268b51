"""What every store on every cloud can hold, checked once where data comes in.

A record that one hot store cannot hold would fail there on every retry, until the dead-letter
queue; the twin's layers may sit on any cloud, so one rule serves them all, set by the strictest:

| limit | value | set by |
|---|---|---|
| record size (compact JSON, UTF-8) | 32 KiB | Azure queue messages (64 KiB, base64) carry one record between functions |
| nesting of property values | 16 levels | Firestore (20 levels per document) |
| lists inside lists | not allowed | Firestore arrays cannot hold arrays |
| integers | signed 64-bit | Firestore integers |
| other numbers | finite, 0 or 1e-130 ≤ abs ≤ 9.9e125 | DynamoDB numbers |
| names (keys at any level) | 1–255 UTF-8 bytes, not `__x__` | DynamoDB/Firestore (no empty names), Firestore (reserved `__x__`) |
| top-level property names | not `id`, `ttl`, `record_id`, Cosmos system names | the stores' own fields |
| text | valid Unicode (no lone surrogates) | UTF-8 everywhere |

`parse_json` is the one JSON reader of bodies from outside: NaN and Infinity are refused (a
literal that overflows to infinity, 1e400, is refused with the record that holds it), and nesting
is bounded, so a hostile body is bad input (400) and never a RecursionError (500).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from runtime.core.errors import InvalidInput, RecordError

MAX_RECORD_BYTES = 32 * 1024
MAX_VALUE_DEPTH = 16
MAX_BODY_DEPTH = 64
MAX_NAME_BYTES = 255
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
NUMBER_MIN_MAGNITUDE, NUMBER_MAX_MAGNITUDE = 1e-130, 9.9e125
RESERVED_NAMES = frozenset({"id", "ttl", "record_id", "_rid", "_self", "_etag", "_attachments", "_ts", "_lsn"})
_FIRESTORE_RESERVED = re.compile(r"__.*__", re.DOTALL)


class LimitError(RecordError):
    pass


class BodyError(InvalidInput):
    code = "invalid_json"


def parse_json(data: bytes | str) -> Any:
    """Strict JSON: RFC 8259 numbers only (no NaN/Infinity), bounded nesting."""
    try:
        # Infinity from an overflowing literal (1e400) is refused where values are checked (records).
        value = json.loads(data, parse_constant=_refuse_constant)
    except RecursionError:
        raise BodyError(f"the body nests deeper than {MAX_BODY_DEPTH} levels") from None
    except ValueError as exc:
        raise BodyError(f"the body is not valid JSON: {_reason(exc)}") from None
    if _depth(value) > MAX_BODY_DEPTH:
        raise BodyError(f"the body nests deeper than {MAX_BODY_DEPTH} levels")
    return value


def check_properties(properties: Mapping[str, Any]) -> int:
    """Raise LimitError unless every store can hold these properties (the record's own fields
    aside); returns an upper bound of their size as JSON, found on the same walk."""
    for name in properties:
        if name in RESERVED_NAMES:
            raise LimitError(f"property name {name!r} is reserved")
    bound = 0
    stack: list[tuple[Any, int, bool]] = [(properties, 0, False)]
    while stack:
        value, depth, in_list = stack.pop()
        if isinstance(value, str):
            bound += _text_bound(value)
        elif value is None or isinstance(value, bool):
            bound += 5
        elif isinstance(value, int):
            if not INT_MIN <= value <= INT_MAX:
                raise LimitError("integers must fit in 64 bits")
            bound += 20
        elif isinstance(value, float):
            _check_float(value)
            bound += 24
        elif isinstance(value, Mapping):
            if depth > MAX_VALUE_DEPTH:
                raise LimitError(f"property values nest deeper than {MAX_VALUE_DEPTH} levels")
            bound += 2
            for name, child in value.items():
                _check_name(name)
                bound += _text_bound(name) + 2
                stack.append((child, depth + 1, False))
        elif isinstance(value, list):
            if depth > MAX_VALUE_DEPTH:
                raise LimitError(f"property values nest deeper than {MAX_VALUE_DEPTH} levels")
            if in_list:
                raise LimitError("a list may not directly hold a list")
            bound += 2 + len(value)
            stack.extend((item, depth + 1, True) for item in value)
        else:
            raise LimitError(f"unsupported value type {type(value).__name__}")
    return bound


def check_size(record: Mapping[str, Any], bound: int | None = None) -> None:
    """Raise LimitError when the record is larger than MAX_RECORD_BYTES as compact JSON; a `bound`
    (from check_properties, plus the record's own fields) within the limit settles it unmeasured."""
    if bound is not None and bound <= MAX_RECORD_BYTES:
        return
    try:
        size = len(json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode())
    except UnicodeEncodeError:
        raise LimitError("text must be valid Unicode (no lone surrogates)") from None
    if size > MAX_RECORD_BYTES:
        raise LimitError(f"a record may hold at most {MAX_RECORD_BYTES} bytes of JSON, this one {size}")


def _text_bound(text: str) -> int:
    """An upper bound of `text`'s size as a JSON string; LimitError for text UTF-8 cannot encode."""
    if text.isascii():
        if text.isprintable():
            return len(text) + 2 + text.count('"') + text.count("\\")
        return 6 * len(text) + 2  # control characters become \u00XX
    try:
        text.encode()
    except UnicodeEncodeError:
        raise LimitError("text must be valid Unicode (no lone surrogates)") from None
    return 6 * len(text) + 2


def _check_name(name: Any) -> None:
    if not isinstance(name, str) or not name:
        raise LimitError("property names must be non-empty strings")
    if len(name) * 4 > MAX_NAME_BYTES and len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        raise LimitError(f"property names may hold at most {MAX_NAME_BYTES} bytes")
    if name.startswith("__") and _FIRESTORE_RESERVED.fullmatch(name):
        raise LimitError("property names of the form __name__ are reserved")


def _check_float(value: float) -> None:
    magnitude = abs(value)
    if not math.isfinite(value) or magnitude > NUMBER_MAX_MAGNITUDE or 0 < magnitude < NUMBER_MIN_MAGNITUDE:
        raise LimitError(f"numbers must be finite, 0 or between {NUMBER_MIN_MAGNITUDE:g} and {NUMBER_MAX_MAGNITUDE:g} in magnitude")


def _depth(value: Any) -> int:
    """How deeply containers nest (iteratively: a recursive walk could itself overflow)."""
    containers = (dict, list)
    if not isinstance(value, containers):
        return 0
    deepest, stack = 1, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        for child in item.values() if isinstance(item, dict) else item:
            if isinstance(child, containers):
                stack.append((child, depth + 1))
    return deepest


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _reason(exc: ValueError) -> str:
    """The decoder's own reason, without echoing the input (JSONDecodeError quotes nothing)."""
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at position {exc.pos}"
    return "unreadable text or number" if isinstance(exc, UnicodeDecodeError) else str(exc)[:120]
