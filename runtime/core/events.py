"""Event rules of the bundled `config_events.json`: each a condition (grammar in
twin_contract/events.py, shared with the project loader) and the action it starts."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runtime.core.config import ConfigurationError
from twin_contract.events import Condition, parse_condition


@dataclass(frozen=True)
class EventRule:
    """A parsed rule; `definition` is the rule object as validated at synth, passed on to its actions."""

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
