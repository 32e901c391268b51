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

`parse_json` is the one JSON reader of bodies from outside: NaN, Infinity and numbers that
overflow to infinity are refused, and nesting is bounded, so a hostile body is bad input (400)
and never a RecursionError (500).
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
    """Strict JSON: RFC 8259 numbers only (no NaN/Infinity, no overflow), bounded nesting."""
    try:
        value = json.loads(data, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        raise BodyError(f"the body nests deeper than {MAX_BODY_DEPTH} levels") from None
    except ValueError as exc:
        raise BodyError(f"the body is not valid JSON: {_reason(exc)}") from None
    if _depth(value) > MAX_BODY_DEPTH:
        raise BodyError(f"the body nests deeper than {MAX_BODY_DEPTH} levels")
    return value


def check_properties(properties: Mapping[str, Any]) -> None:
    """Raise LimitError unless every store can hold these properties (the record's own fields aside)."""
    for name in properties:
        if name in RESERVED_NAMES:
            raise LimitError(f"property name {name!r} is reserved")
    stack: list[tuple[Any, int, bool]] = [(value, 1, False) for value in properties.values()]
    _check_names(properties)
    while stack:
        value, depth, in_list = stack.pop()
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, int):
            if not INT_MIN <= value <= INT_MAX:
                raise LimitError("integers must fit in 64 bits")
        elif isinstance(value, float):
            _check_float(value)
        elif isinstance(value, str):
            continue  # valid Unicode is checked by check_size's UTF-8 encoding
        elif isinstance(value, (Mapping, list)):
            if depth > MAX_VALUE_DEPTH:
                raise LimitError(f"property values nest deeper than {MAX_VALUE_DEPTH} levels")
            if isinstance(value, list):
                if in_list:
                    raise LimitError("a list may not directly hold a list")
                stack.extend((item, depth + 1, True) for item in value)
            else:
                _check_names(value)
                stack.extend((item, depth + 1, False) for item in value.values())
        else:
            raise LimitError(f"unsupported value type {type(value).__name__}")


def check_size(record: Mapping[str, Any]) -> None:
    try:
        size = len(json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode())
    except UnicodeEncodeError:
        raise LimitError("text must be valid Unicode (no lone surrogates)") from None
    if size > MAX_RECORD_BYTES:
        raise LimitError(f"a record may hold at most {MAX_RECORD_BYTES} bytes of JSON, this one {size}")


def _check_names(mapping: Mapping[str, Any]) -> None:
    for name in mapping:
        if not isinstance(name, str) or not name:
            raise LimitError("property names must be non-empty strings")
        try:
            size = len(name.encode())
        except UnicodeEncodeError:
            raise LimitError("text must be valid Unicode (no lone surrogates)") from None
        if size > MAX_NAME_BYTES:
            raise LimitError(f"property names may hold at most {MAX_NAME_BYTES} bytes")
        if _FIRESTORE_RESERVED.fullmatch(name):
            raise LimitError("property names of the form __name__ are reserved")


def _check_float(value: float) -> None:
    magnitude = abs(value)
    if not math.isfinite(value) or magnitude > NUMBER_MAX_MAGNITUDE or 0 < magnitude < NUMBER_MIN_MAGNITUDE:
        raise LimitError(f"numbers must be finite, 0 or between {NUMBER_MIN_MAGNITUDE:g} and {NUMBER_MAX_MAGNITUDE:g} in magnitude")


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in item)
    return deepest


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("a number overflows")
    return value


def _reason(exc: ValueError) -> str:
    """The decoder's own reason, without echoing the input (JSONDecodeError quotes nothing)."""
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at position {exc.pos}"
    return "unreadable text or number" if isinstance(exc, UnicodeDecodeError) else str(exc)[:120]
