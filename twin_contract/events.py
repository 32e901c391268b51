"""The condition grammar of event rules (`config_events.json`): `"<a> <op> <b>"`.

An operand is a dotted property reference (`entity.component.property`; only the property name
is used, read from the record) or a typed constant `DOUBLE(x)`, `INTEGER(x)`, `STRING(x)`. The
project loader validates rules with `parse_condition`, the event checker evaluates them: one
grammar for both, so a rule the loader accepts is a rule the function can run.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

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
