"""JSON documents read strictly: one meaning per file, bounded, nothing the toolchain would rewrite.

Why each rule:
- duplicate keys make a document ambiguous (which `mode` wins depends on the parser);
- `NaN`/`Infinity` are not JSON, and numbers beyond 64-bit floats or 20 digits have no consumer;
- nesting deeper than MAX_DEPTH is no twin's shape and would exhaust recursion downstream;
- NUL characters and lone surrogates cannot be written to the UTF-8 files synth produces;
- `${Token[...]}` / `${TfToken[...]}` are the CDK's and CDK Terrain's own placeholders: text
  holding one would be replaced by a reference to a deployed resource, so it cannot be carried.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

from twin_model.config.errors import Problems

MAX_DEPTH = 64
MAX_INT_DIGITS = 20  # every integer consumer is at most 64-bit
MAX_PROBLEMS_PER_FILE = 20  # a hostile file gets a readable report, not a million lines
TOKEN_MARKER = re.compile(r"[$#]\{(?:Tf)?Token\[")
_SIMPLE_KEY = re.compile(r"^[A-Za-z_$@][A-Za-z0-9_$@-]*$")

# A place in a document as JSON path parts (object keys, array indexes), and a parsed JSON object:
# its values are whatever the file holds until the check that reads them narrows them.
PathParts = tuple[str | int, ...]
JsonObject = dict[str, Any]


class Refused:
    """Stands in for a value the parser could not accept; reported with its JSON path as
    `<what> (<reason>)`."""

    __slots__ = ("reason", "what")

    def __init__(self, reason: str, what: str = "a usable number") -> None:
        self.reason, self.what = reason, what


def json_path(parts: PathParts) -> str:
    """`$`, `$.a[0].b`, `$["odd key"]`: the path syntax of every report."""
    out = ["$"]
    for part in parts:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif len(part) > 80:
            out.append(f"[{json.dumps(part[:40])[:-1]}…\"]")
        elif _SIMPLE_KEY.fullmatch(part):
            out.append(f".{part}")
        else:
            out.append(f"[{json.dumps(part)}]")
    return "".join(out)


def parse(text: str, file: str, problems: Problems) -> tuple[bool, Any]:
    """(True, value) for an acceptable document; (False, None) after reporting why not."""
    duplicates: dict[int, list[str]] = {}

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(items)  # the last value of a repeated key wins, as json.loads would keep it
        if len(obj) != len(items):  # a key repeats: name each repetition (dict() built it in C)
            seen: set[str] = set()
            for key, _ in items:
                if key in seen:
                    duplicates.setdefault(id(obj), []).append(key)
                seen.add(key)
        return obj

    decoded, value = _decode(
        "JSON",
        lambda: json.loads(
            text,
            object_pairs_hook=pairs,
            parse_constant=lambda name: Refused(f"{name} is not a JSON number"),
            parse_int=_integer,
            parse_float=_float,
        ),
        (json.JSONDecodeError,),
        lambda exc: f"{exc.msg} at line {exc.lineno} column {exc.colno}",
        file,
        problems,
    )
    if not decoded:
        return False, None
    if not duplicates and _clean(text, value):
        return True, value
    return check_tree(value, duplicates, file, problems), value


def _clean(text: str, value: Any) -> bool:
    """True when the document holds nothing check_tree would report, decided without visiting
    every string (a fleet file holds millions): the same rules, read off the text.

    A decoded string (key or value) differs from its characters in the text only where the text
    has an escape, and only a `\\uXXXX` escape can yield NUL, a lone surrogate or a character of a
    CDK token marker (the others yield `"`, `\\`, `/` and control characters), so a text without
    `\\u`, without NUL, encodable as UTF-8 and without a token marker has no string check_tree
    would refuse. Refused numbers are found by their type, depth by walking the containers only.
    Anything else — or any doubt — falls back to check_tree, which reports with paths."""
    if "\\u" in text or "\x00" in text or TOKEN_MARKER.search(text):
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    if type(value) is Refused:
        return False
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        node, depth = pending.pop()
        children = node.values() if type(node) is dict else node if type(node) is list else ()
        if children and depth >= MAX_DEPTH:  # its children would sit deeper than MAX_DEPTH
            return False
        for child in children:
            kind = type(child)
            if kind is dict or kind is list:
                pending.append((child, depth + 1))
            elif kind is Refused:
                return False
    return True


def _decode(
    kind: str,
    decode: Callable[[], Any],
    syntax_errors: tuple[type[Exception], ...],
    describe: Callable[[Any], str],
    file: str,
    problems: Problems,
) -> tuple[bool, Any]:
    """(True, value), or (False, None) after reporting the file's one problem: its syntax, or
    nesting deeper than the parser's recursion allows."""
    try:
        return True, decode()
    except syntax_errors as exc:
        problems.add(file, "$", f"valid {kind} ({describe(exc)})")
    except RecursionError:
        problems.add(file, "$", f"{kind} nested at most {MAX_DEPTH} levels deep")
    return False, None


def _integer(literal: str) -> Any:
    digits = len(literal.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        return Refused(f"an integer of {digits} digits (at most {MAX_INT_DIGITS})")
    return int(literal)


def _float(literal: str) -> Any:
    value = float(literal)
    return value if math.isfinite(value) else Refused(f"{literal[:40]} is beyond a 64-bit float")


def text_problem(text: str) -> str | None:
    """Why a string cannot be carried, or None."""
    if "\x00" in text:
        return "text without NUL characters"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "valid Unicode text (it holds a lone surrogate escape such as \\ud800)"
    if TOKEN_MARKER.search(text):
        return "text without ${Token[...]} or ${TfToken[...]}: those are CDK placeholders and would be replaced"
    return None


def check_tree(
    value: Any, duplicates: dict[int, list[str]], file: str, problems: Problems, found: list[tuple[str, str]] | None = None
) -> bool:
    """Report what a parsed document holds that no consumer can carry (with the parser's own
    `found` problems, as (JSON path, expected)); True when there is nothing."""
    found = list(found or ())
    pending: list[tuple[Any, PathParts]] = [(value, ())]
    while pending and len(found) <= MAX_PROBLEMS_PER_FILE:
        node, parts = pending.pop()
        if len(parts) > MAX_DEPTH:
            found.append((json_path(parts[:MAX_DEPTH]), f"JSON nested at most {MAX_DEPTH} levels deep"))
            continue
        if isinstance(node, Refused):
            found.append((json_path(parts), f"{node.what} ({node.reason})"))
        elif isinstance(node, str):
            reason = text_problem(node)
            if reason:
                found.append((json_path(parts), reason))
        elif isinstance(node, dict):
            for key in duplicates.get(id(node), ()):
                found.append((json_path(parts + (key,)), "a key that appears once per object (the document is ambiguous)"))
            for key, child in node.items():
                reason = text_problem(key)
                if reason:
                    found.append((json_path(parts) + " (a key)", reason))
                pending.append((child, parts + (key,)))
        elif isinstance(node, list):
            pending.extend((child, parts + (index,)) for index, child in enumerate(node))
    for path, expected in sorted(found)[:MAX_PROBLEMS_PER_FILE]:
        problems.add(file, path, expected)
    if len(found) > MAX_PROBLEMS_PER_FILE:
        problems.add(file, "$", f"fewer problems: only the first {MAX_PROBLEMS_PER_FILE} are listed")
    return not found
