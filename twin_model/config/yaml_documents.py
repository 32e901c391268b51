"""YAML documents read as the JSON values they stand for, bounded while the file is read.

Google Cloud Workflows takes its source as YAML or JSON, and its values are JSON's: integer,
double, string, boolean (`true`/`false`, `True`/`False`, `TRUE`/`FALSE`), null, lists and maps.
Those booleans are exactly YAML 1.2's core schema, so a plain scalar is read under that schema,
as the service reads the file we deploy as written: `2024-01-01`, `yes` and `1:30` are text
(YAML 1.1, PyYAML's default, would make a date, a boolean and 90; a warning says so), `0o17` is 15.
What JSON cannot hold is refused, one problem each, with its JSON path and line: tags (`!!binary`,
`!!set`, `!!python/...`), anchors and aliases (a few lines could expand without bound), merge
keys (`<<`, which the two YAML versions read differently), keys that are not text, directives,
more than one document.

The tree is built from the parser's events, never by PyYAML's composer (recursive, and quadratic
on deep nesting): depth and node count are checked as each event arrives, so a 10 KB file nested
thousands of levels deep is refused after its 65th level, in milliseconds. libyaml's parser
(PyYAML's C binding, in its wheels) reads the events; PyYAML's own parser is the fallback.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any

import yaml

from twin_model.config.documents import MAX_DEPTH, MAX_INT_DIGITS, PathParts, Refused, check_tree, json_path
from twin_model.config.errors import Problems

MAX_NODES = 100_000  # more values than a 128 KB workflow (the service's source limit) can hold
MAX_YAML_BYTES = 1024 * 1024

# YAML 1.2.2 §10.3.2, the core schema's tag resolution of plain scalars.
_NULL = re.compile(r"null|Null|NULL|~|")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?[0-9]+")
_OCTAL = re.compile(r"0o[0-7]+")
_HEX = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_INFINITY = re.compile(r"[-+]?\.(inf|Inf|INF)")
_NAN = re.compile(r"\.(nan|NaN|NAN)")
_PLAIN_DECIMAL = re.compile(r"[-+]?(0|[1-9][0-9]*)")  # the same integer in YAML 1.1
_YAML_1_1_FIRST = frozenset("yYnNtTfFoO-+0123456789.<=~")  # first characters of YAML 1.1's implicit types
_LEADING_ZERO = re.compile(r"[-+]?0[0-9_]+")  # YAML 1.1 reads it as octal
_CORE_TAGS = {type(None): "tag:yaml.org,2002:null", bool: "tag:yaml.org,2002:bool", int: "tag:yaml.org,2002:int",
              float: "tag:yaml.org,2002:float", str: "tag:yaml.org,2002:str"}


class _Stop(Exception):
    """The document cannot be read further (too deep, too large, several documents)."""

    def __init__(self, path: str, expected: str) -> None:
        super().__init__(expected)
        self.path, self.expected = path, expected


def parse_yaml(
    text: str, file: str, problems: Problems, warnings: Problems | None = None, max_bytes: int = MAX_YAML_BYTES
) -> tuple[bool, Any]:
    """(True, value) for an acceptable YAML document; (False, None) after reporting why not."""
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:  # not from a file (they are decoded strictly), but no traceback either
        problems.add(file, "$", "valid Unicode text (it holds a lone surrogate)")
        return False, None
    if size > max_bytes:
        problems.add(file, "$", f"a YAML document of at most {max_bytes:,} bytes (it has {size:,})")
        return False, None
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    builder = _Builder(warnings if warnings is not None else Problems(), file)
    try:
        value = builder.build(yaml.parse(text, Loader=loader))
    except _Stop as stop:
        problems.add(file, stop.path, stop.expected)
        return False, None
    except yaml.YAMLError as exc:
        problems.add(file, "$", _syntax_problem(exc, text))
        return False, None
    return check_tree(value, builder.duplicates, file, problems, builder.found), value


def _syntax_problem(exc: Exception, text: str) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or getattr(exc, "reason", None) or str(exc).splitlines()[0]
    if "maximum nesting depth" in str(problem):  # libyaml's own limit, met while looking ahead
        return f"YAML nested at most {MAX_DEPTH} levels deep"
    if mark is not None:
        line, column = mark.line + 1, mark.column + 1
    elif isinstance(getattr(exc, "position", None), int):  # the reader's: a character it refuses
        line = text.count("\n", 0, exc.position) + 1  # type: ignore[attr-defined]
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1  # type: ignore[attr-defined]
    else:
        return f"valid YAML ({problem})"
    return f"valid YAML ({problem} at line {line} column {column})"


class _Builder:
    """JSON values from a stream of parser events, with an explicit stack (no recursion)."""

    def __init__(self, warnings: Problems, file: str) -> None:
        self.warnings, self.file = warnings, file
        self.duplicates: dict[int, list[str]] = {}
        self.found: list[tuple[str, str]] = []  # (JSON path, expected): reported with the tree's own problems
        self.resolver = yaml.resolver.Resolver()  # YAML 1.1's reading, for the warning only

    def build(self, events: Iterator[Any]) -> Any:
        documents = nodes = 0
        root: Any = None
        # Each open collection: [container, its path, the pending key (maps; _NO_KEY before a key)].
        stack: list[list[Any]] = []
        for event in events:
            kind = type(event)
            if kind is yaml.ScalarEvent or kind is yaml.AliasEvent:
                value: Any = None
            elif kind is yaml.SequenceStartEvent or kind is yaml.MappingStartEvent:
                if len(stack) >= MAX_DEPTH:
                    path = json_path(_child_path(stack)[:MAX_DEPTH])
                    raise _Stop(path, f"YAML nested at most {MAX_DEPTH} levels deep{_at(event)}")
            elif kind is yaml.SequenceEndEvent or kind is yaml.MappingEndEvent:
                value = stack.pop()[0]
                if type(value) is _RefusedCollection:
                    value = value.refused
                if stack:
                    self._place(stack, value, event)
                else:
                    root = value
                continue
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise _Stop("$", "one YAML document (this file holds several)")
                if event.version or event.tags:
                    raise _Stop("$", f"a workflow without YAML directives (%YAML, %TAG){_at(event)}")
                continue
            else:
                continue  # stream start and end, document end
            nodes += 1
            if nodes > MAX_NODES:
                raise _Stop("$", f"a YAML document of at most {MAX_NODES:,} values")
            refused = self._refusal(event)
            if kind is yaml.SequenceStartEvent or kind is yaml.MappingStartEvent:
                if stack and _expects_key(stack[-1]):
                    refused = Refused(f"{_kind(event)} as a key{_at(event)}", "a mapping key that is text")
                if refused is not None:
                    stack.append([_RefusedCollection(refused), (), _NO_KEY])
                else:
                    stack.append([{} if kind is yaml.MappingStartEvent else [], _child_path(stack), _NO_KEY])
                continue
            if refused is not None:
                value = refused
            elif kind is yaml.ScalarEvent:
                value = self._scalar(event, stack)
            if stack:
                self._place(stack, value, event)
            else:
                root = value
        return root

    def _place(self, stack: list[list[Any]], value: Any, event: Any) -> None:
        top = stack[-1]
        container, parts, key = top
        if type(container) is list:
            container.append(value)
            return
        if type(container) is _RefusedCollection:  # its content is not kept
            return
        if key is _NO_KEY:
            top[2] = self._key(value, event, parts)
            return
        top[2] = _NO_KEY
        if key is _REFUSED_KEY:
            return
        if key in container:
            self.duplicates.setdefault(id(container), []).append(key)
        container[key] = value

    def _key(self, value: Any, event: Any, parts: PathParts) -> Any:
        if isinstance(value, Refused):
            self.found.append((json_path(parts) + " (a key)", f"{value.what} ({value.reason})"))
            return _REFUSED_KEY
        if type(event) is yaml.ScalarEvent and event.implicit[0] and event.value == "<<":
            self.found.append((json_path(parts + ("<<",)), f"no YAML merge key (<<){_at(event)}: write the keys "
                               "out (YAML 1.1 merges the map, YAML 1.2 reads a key named <<)"))
            return _REFUSED_KEY
        if not isinstance(value, str):
            shown = event.value
            self.found.append((json_path(parts + (shown,)), f"a mapping key that is text (got {shown!r}, "
                               f"read as {_type_name(value)}{_at(event)}: quote it)"))
            return _REFUSED_KEY
        return value

    @staticmethod
    def _refusal(event: Any) -> Refused | None:
        if type(event) is yaml.AliasEvent:
            return Refused(f"*{event.anchor}{_at(event)}", "a value written out, not a YAML alias")
        if event.anchor is not None:
            return Refused(f"&{event.anchor}{_at(event)}", "a value without a YAML anchor (&): write each value out")
        if event.tag is not None:
            return Refused(f"{_tag(event.tag)}{_at(event)}", "a JSON value without a YAML tag: text, a number, "
                           "a boolean, null, a list or a map")
        return None

    def _scalar(self, event: Any, stack: list[list[Any]]) -> Any:
        """A plain scalar under the YAML 1.2 core schema; quoted and block scalars are text."""
        text = event.value
        if not event.implicit[0]:
            return text
        value = _core_scalar(text)
        if text and text[0] in _YAML_1_1_FIRST and not isinstance(value, Refused) and _may_differ(text, value):
            self._warn_if_yaml_1_1_differs(text, value, stack)
        return value

    def _warn_if_yaml_1_1_differs(self, text: str, value: Any, stack: list[list[Any]]) -> None:
        """A file written for PyYAML's defaults may mean another value than the service reads."""
        older_tag = self.resolver.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
        if older_tag == _CORE_TAGS[type(value)] and not (isinstance(value, int) and _LEADING_ZERO.fullmatch(text)):
            return
        try:
            older = yaml.load(text, Loader=yaml.SafeLoader)  # noqa: S506 - one plain scalar, PyYAML's safe loader
        except (yaml.YAMLError, ValueError):  # `=` and `<<` have no value of their own; 2024-13-45 is no date
            return
        if older != value or type(older) is not type(value):
            path = _child_path(stack) if stack else ()
            self.warnings.add(self.file, json_path(path), f"read as {_shown(value)}, as Cloud Workflows reads YAML "
                              f"1.2 (YAML 1.1 would read {_shown(older)}): quote it if text is meant")


def _child_path(stack: list[list[Any]]) -> PathParts:
    """The JSON path of the node the next event makes (a map key: its map's path)."""
    if not stack:
        return ()
    container, key = stack[-1][0], stack[-1][2]
    parts: PathParts = stack[-1][1]
    if type(container) is list:
        return parts + (len(container),)
    if type(container) is dict and type(key) is str:
        return parts + (key,)
    return parts


def _may_differ(text: str, value: Any) -> bool:
    """Whether YAML 1.1 could read this plain scalar otherwise (a cheap test before the exact one)."""
    if isinstance(value, bool) or value is None:
        return False  # the core schema's spellings mean the same in YAML 1.1
    if isinstance(value, int):
        return not _PLAIN_DECIMAL.fullmatch(text)
    if isinstance(value, float):
        return "e" in text or "E" in text or text[0] == "." or text.endswith(".")
    return True


def _core_scalar(text: str) -> Any:
    if _NULL.fullmatch(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    for pattern, base, digits in ((_INT, 10, text.lstrip("+-")), (_OCTAL, 8, text[2:]), (_HEX, 16, text[2:])):
        if pattern.fullmatch(text):
            if len(digits) > MAX_INT_DIGITS:
                return Refused(f"an integer of {len(digits)} digits (at most {MAX_INT_DIGITS})")
            return int(digits, base) * (-1 if text.startswith("-") else 1)
    if _FLOAT.fullmatch(text):
        value = float(text)
        return value if math.isfinite(value) else Refused(f"{text[:40]} is beyond a 64-bit float")
    if _INFINITY.fullmatch(text) or _NAN.fullmatch(text):
        return Refused(f"{text} is not a JSON number")
    return text


class _RefusedCollection:
    """Stands in for a refused list or map while its events are read (its content is dropped)."""

    __slots__ = ("refused",)

    def __init__(self, refused: Refused) -> None:
        self.refused = refused


class _Marker:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


_NO_KEY = _Marker("no key yet")
_REFUSED_KEY = _Marker("a refused key: its value is dropped")


def _expects_key(top: list[Any]) -> bool:
    return type(top[0]) is dict and top[2] is _NO_KEY


def _kind(event: Any) -> str:
    return "a map" if isinstance(event, yaml.MappingStartEvent) else "a list"


def _tag(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return f"the text {value!r}"
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    return f"the {type(value).__name__} {value}"  # a date or datetime


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return type(value).__name__


def _at(event: Any) -> str:
    mark = getattr(event, "start_mark", None)
    return f" at line {mark.line + 1}" if mark is not None else ""
