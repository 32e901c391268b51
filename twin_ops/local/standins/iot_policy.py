"""AWS IoT Core's evaluation of IoT policy documents, for the local broker and the tests.

No emulator of IoT Core's authorizer exists, so this one imitates the documented rules strictly
(AWS IoT Core developer guide: "AWS IoT Core policies", "AWS IoT Core policy variables", "Thing
policy variables", "AWS IoT Core policy actions"; the IAM policy grammar they follow):
- a request is allowed when an `Allow` statement matches it and no `Deny` statement does; anything
  else is denied (implicit deny);
- a statement matches when its `Action` (or `NotAction`) covers the action, its `Resource` (or
  `NotResource`) covers the resource ARN and every `Condition` holds;
- actions and resources are patterns: `*` matches any run of characters, `?` one character; the
  MQTT wildcards `+` and `#` are literal characters in a policy. Actions ignore case, ARNs do not;
- `${...}` policy variables (only in `Version` 2012-10-17 documents) are replaced by the
  connection's values: `iot:ClientId`, `iot:Connection.Thing.ThingName`,
  `iot:Connection.Thing.ThingTypeName`, `iot:Connection.Thing.Attributes[name]`,
  `iot:Connection.Thing.IsAttached`; `${*}`, `${?}` and `${$}` stand for those characters. A
  substituted value is literal text (a client id `*` is no wildcard). Thing variables resolve only
  when the certificate is attached to the thing named like the client id; an element whose variable
  cannot be resolved matches nothing, so a device without its thing is allowed nothing the
  variables scope;
- resources per action: `iot:Connect` on `client/<client id>`, `iot:Publish`, `iot:Receive` and
  `iot:RetainPublish` on `topic/<topic>`, `iot:Subscribe` on `topicfilter/<topic filter>`.
Anything outside this (an unknown element, condition operator or variable, a version other than
2012-10-17 and 2008-10-17) raises PolicyError rather than being guessed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

VERSIONS = ("2012-10-17", "2008-10-17")
STATEMENT_KEYS = {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition"}
RESOURCE_KIND = {
    "iot:connect": "client",
    "iot:publish": "topic",
    "iot:receive": "topic",
    "iot:retainpublish": "topic",
    "iot:subscribe": "topicfilter",
}
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_ATTRIBUTE = re.compile(r"iot:Connection\.Thing\.Attributes\[([^\]]+)\]")
_LITERALS = {"*": "*", "?": "?", "$": "$"}


class PolicyError(ValueError):
    """A document IoT Core would refuse, or a part this evaluator does not imitate."""


@dataclass(frozen=True)
class Connection:
    """What IoT Core knows of an MQTT connection when it evaluates the policies of its certificate."""

    client_id: str
    attached_things: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # thing → its attributes
    thing_types: Mapping[str, str] = field(default_factory=dict)

    def context(self) -> dict[str, str]:
        values = {"iot:ClientId": self.client_id, "iot:Connection.Thing.IsAttached": "false"}
        attributes = self.attached_things.get(self.client_id)
        if attributes is not None:  # the thing named like the client id, attached to the certificate
            values["iot:Connection.Thing.IsAttached"] = "true"
            values["iot:Connection.Thing.ThingName"] = self.client_id
            if self.client_id in self.thing_types:
                values["iot:Connection.Thing.ThingTypeName"] = self.thing_types[self.client_id]
            values.update({f"iot:Connection.Thing.Attributes[{name}]": value for name, value in attributes.items()})
        return values


class _Unresolved(Exception):
    pass


def resource_arn(arn_prefix: str, action: str, name: str) -> str:
    """The resource an action is asked on: `arn_prefix` is `arn:<partition>:iot:<region>:<account>:`."""
    kind = RESOURCE_KIND.get(action.lower())
    if kind is None:
        raise PolicyError(f"{action}: not an MQTT action this evaluator imitates")
    return f"{arn_prefix}{kind}/{name}"


def is_allowed(documents: Sequence[Mapping[str, Any]], action: str, resource: str, connection: Connection) -> bool:
    """IoT Core's verdict on `action` over `resource` for `connection`, given every policy attached
    to its certificate."""
    context = connection.context()
    allowed = False
    for document in documents:
        version = _version(document)
        for statement in _statements(document):
            if not _matches(statement, action, resource, context, version):
                continue
            if statement["Effect"] == "Deny":
                return False
            allowed = True
    return allowed


def _version(document: Mapping[str, Any]) -> str:
    if not isinstance(document, Mapping):
        raise PolicyError("a policy document is a JSON object")
    unknown = set(document) - {"Version", "Statement", "Id"}
    if unknown:
        raise PolicyError(f"unknown policy elements {sorted(unknown)}")
    version = document.get("Version", "2008-10-17")
    if version not in VERSIONS:
        raise PolicyError(f"Version {version!r}: one of {', '.join(VERSIONS)}")
    return version


def _statements(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    raw = document.get("Statement")
    statements = [raw] if isinstance(raw, Mapping) else raw
    if not isinstance(statements, list) or not statements:
        raise PolicyError("Statement: a statement or a non-empty list of them")
    for statement in statements:
        if not isinstance(statement, Mapping):
            raise PolicyError("a statement is a JSON object")
        unknown = set(statement) - STATEMENT_KEYS
        if unknown:
            raise PolicyError(f"unknown statement elements {sorted(unknown)}")
        if statement.get("Effect") not in ("Allow", "Deny"):
            raise PolicyError(f"Effect {statement.get('Effect')!r}: Allow or Deny")
        if ("Action" in statement) == ("NotAction" in statement):
            raise PolicyError("a statement has exactly one of Action and NotAction")
        if ("Resource" in statement) == ("NotResource" in statement):
            raise PolicyError("a statement has exactly one of Resource and NotResource")
    return statements


def _strings(value: Any, element: str) -> list[str]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise PolicyError(f"{element}: a string or a non-empty list of strings")
    return values


def _matches(statement: Mapping[str, Any], action: str, resource: str, context: Mapping[str, str], version: str) -> bool:
    if "Action" in statement:
        action_ok = any(_glob(p, action, ignore_case=True) for p in _strings(statement["Action"], "Action"))
    else:
        action_ok = not any(_glob(p, action, ignore_case=True) for p in _strings(statement["NotAction"], "NotAction"))
    if not action_ok:
        return False
    key = "Resource" if "Resource" in statement else "NotResource"
    covered = False
    for pattern in _strings(statement[key], key):
        try:
            if _glob(_substitute(pattern, context, version), resource):
                covered = True
                break
        except _Unresolved:
            continue  # an element whose variable cannot be resolved matches nothing
    if covered != (key == "Resource"):
        return False
    return _conditions_hold(statement.get("Condition", {}), context, version)


def _substitute(pattern: str, context: Mapping[str, str], version: str) -> str:
    """The pattern with every variable's value escaped as literal text (`\\x01` marks a literal)."""
    if version != "2012-10-17":
        return pattern  # older documents take `${...}` literally

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in _LITERALS:
            return "\x01" + _LITERALS[name]
        if not (name in _KNOWN_VARIABLES or _ATTRIBUTE.fullmatch(name)):
            raise PolicyError(f"unknown policy variable ${{{name}}}")
        if name not in context:
            raise _Unresolved(name)
        return "".join("\x01" + character for character in context[name])

    return _VARIABLE.sub(value, pattern)


_KNOWN_VARIABLES = {
    "iot:ClientId",
    "iot:Connection.Thing.ThingName",
    "iot:Connection.Thing.ThingTypeName",
    "iot:Connection.Thing.IsAttached",
}


def _glob(pattern: str, text: str, ignore_case: bool = False) -> bool:
    """`*` any run, `?` one character; characters after `\\x01` are literal."""
    parts, literal = [], False
    for character in pattern:
        if character == "\x01":
            literal = True
            continue
        if not literal and character == "*":
            parts.append(".*")
        elif not literal and character == "?":
            parts.append(".")
        else:
            parts.append(re.escape(character))
        literal = False
    return re.fullmatch("".join(parts), text, re.DOTALL | (re.IGNORECASE if ignore_case else 0)) is not None


_OPERATORS = {
    "StringEquals": lambda wanted, have: have == wanted,
    "StringNotEquals": lambda wanted, have: have != wanted,
    "StringEqualsIgnoreCase": lambda wanted, have: have.lower() == wanted.lower(),
    "StringNotEqualsIgnoreCase": lambda wanted, have: have.lower() != wanted.lower(),
    "StringLike": lambda wanted, have: _glob(wanted, have),
    "StringNotLike": lambda wanted, have: not _glob(wanted, have),
    "ArnEquals": lambda wanted, have: have == wanted,
    "ArnLike": lambda wanted, have: _glob(wanted, have),
    "ArnNotEquals": lambda wanted, have: have != wanted,
    "ArnNotLike": lambda wanted, have: not _glob(wanted, have),
    "Bool": lambda wanted, have: have.lower() == wanted.lower(),
}


def _conditions_hold(conditions: Any, context: Mapping[str, str], version: str) -> bool:
    if not isinstance(conditions, Mapping):
        raise PolicyError("Condition: a JSON object of operators")
    for operator, tests in conditions.items():
        base = operator.removesuffix("IfExists")
        if base not in _OPERATORS and base != "Null":
            raise PolicyError(f"condition operator {operator!r} is not imitated here")
        if not isinstance(tests, Mapping):
            raise PolicyError(f"Condition {operator}: a JSON object of keys")
        for key, raw in tests.items():
            wanted = _strings(raw if not isinstance(raw, bool) else str(raw).lower(), f"Condition {operator} {key}")
            have = context.get(key)
            if base == "Null":
                if (have is None) != (wanted[0].lower() == "true"):
                    return False
                continue
            if have is None:
                if operator.endswith("IfExists"):
                    continue
                return False
            try:
                marked = [_substitute(w, context, version) for w in wanted]
            except _Unresolved:
                return False
            # Like operators keep substituted text literal; the others compare plain text.
            values = marked if base.endswith("Like") else [v.replace("\x01", "") for v in marked]
            check = _OPERATORS[base]
            # Several values: any of them may match; a negated operator (…Not…) needs all of them to hold.
            held = all(check(v, have) for v in values) if "Not" in base else any(check(v, have) for v in values)
            if not held:
                return False
    return True
