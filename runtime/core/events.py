"""Event rules of `config_events.json`: conditions `"<a> <op> <b>"` evaluated against a record.

An operand is a dotted property reference (`entity.component.property`; only the property name
is used, read from the record) or a typed constant `DOUBLE(x)`, `INTEGER(x)`, `STRING(x)`.
Importable without side effects: the project-config validator uses `parse_condition`.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runtime.core.config import ConfigurationError

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {"<": operator.lt, ">": operator.gt, "==": operator.eq}
_CONSTANT = re.compile(r"^(DOUBLE|INTEGER|STRING)\((.*)\)$")
_REFERENCE = re.compile(r"^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$")
_CONSTANT_TYPES: dict[str, Callable[[str], Any]] = {"DOUBLE": float, "INTEGER": int, "STRING": str}


@dataclass(frozen=True)
class Constant:
    value: Any

    def resolve(self, record: Mapping[str, Any]) -> Any:
        return self.value


@dataclass(frozen=True)
class PropertyRef:
    name: str

    def resolve(self, record: Mapping[str, Any]) -> Any:
        return record.get(self.name)


@dataclass(frozen=True)
class Condition:
    left: Constant | PropertyRef
    operator: str
    right: Constant | PropertyRef

    def holds(self, record: Mapping[str, Any]) -> bool:
        """False when a referenced property is absent or the values do not compare."""
        left, right = self.left.resolve(record), self.right.resolve(record)
        if left is None or right is None:
            return False
        try:
            return OPERATORS[self.operator](left, right)
        except TypeError:
            return False


def parse_condition(text: str) -> Condition:
    """Parse `"<a> <op> <b>"`; raises ValueError saying what is wrong."""
    tokens = text.split() if isinstance(text, str) else []
    if len(tokens) != 3:
        raise ValueError(f"expected three space-separated parts '<a> <op> <b>', got {text!r}")
    left, op, right = tokens
    if op not in OPERATORS:
        raise ValueError(f"unknown operator {op!r}: use one of {', '.join(OPERATORS)}")
    condition = Condition(_operand(left), op, _operand(right))
    if isinstance(condition.left, Constant) and isinstance(condition.right, Constant):
        raise ValueError(f"{text!r} compares two constants: one side must be a property reference")
    return condition


def _operand(token: str) -> Constant | PropertyRef:
    constant = _CONSTANT.match(token)
    if constant:
        kind, literal = constant.groups()
        try:
            return Constant(_CONSTANT_TYPES[kind](literal))
        except ValueError as exc:
            raise ValueError(f"{token!r} is not a valid {kind} constant") from exc
    if _REFERENCE.match(token):
        return PropertyRef(token.rsplit(".", 1)[-1])
    raise ValueError(
        f"{token!r} is neither a property reference (entity.component.property) "
        "nor a constant DOUBLE(x), INTEGER(x) or STRING(x)"
    )


@dataclass(frozen=True)
class EventRule:
    """A parsed rule; `definition` is the rule object as written, passed on to its actions."""

    condition: Condition
    action: Mapping[str, Any]
    definition: Mapping[str, Any]


def read_rules_file(path: Path) -> list[EventRule]:
    """The bundled config_events.json; an unreadable or invalid file is a deployment error."""
    try:
        return load_rules(json.loads(path.read_text()))
    except (OSError, ValueError) as exc:
        raise ConfigurationError([f"cannot use {path}: {exc}"]) from exc


def load_rules(definitions: Any) -> list[EventRule]:
    """Parse the list in `config_events.json`; raises ValueError naming the bad rule."""
    if not isinstance(definitions, list):
        raise ValueError("config_events.json must hold a list of rules")
    rules = []
    for index, definition in enumerate(definitions):
        try:
            condition = parse_condition(definition["condition"])
            action = definition["action"]
            if not isinstance(action, Mapping) or "type" not in action:
                raise ValueError("action must be an object with a type")
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"rule {index}: {exc}") from exc
        rules.append(EventRule(condition, action, definition))
    return rules
