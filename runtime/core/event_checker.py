"""The event checker on every cloud: evaluate the project's rules against stored records, start
each firing rule's action, and send its device feedback. Which action types run, and how, is the
cloud's (`start`), with the payload of twin_contract.workflow; rules are checked against the deployment at cold start (a bad rule is a
deploy bug, reported with every problem at once)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runtime.core.config import ConfigurationError
from runtime.core.events import EventRule, read_rules_file
from runtime.core.telemetry import normalized_records
from twin_contract.workflow import action_payload

RULES_FILE = "config_events.json"

# action → what is wrong with it on this deployment (None: it can run).
ActionCheck = Callable[[Mapping[str, Any]], "str | None"]


def deployed_rules(bundle_dir: Path, problem: ActionCheck) -> list[EventRule]:
    """The bundled rules, each action checked by the cloud's `problem`."""
    rules = read_rules_file(bundle_dir / RULES_FILE)
    problems = [f"rule {index}: {text}" for index, rule in enumerate(rules) if (text := problem(rule.action))]
    if problems:
        raise ConfigurationError(problems)
    return rules


def feedback_message(rule: EventRule, record: Mapping[str, Any]) -> dict[str, Any] | None:
    """What the feedback function gets for a firing rule with `action.feedback`: the device
    (`iotDeviceId` or `device_id` of the feedback, else the record's), the payload and the rule."""
    feedback = rule.action.get("feedback")
    if not feedback:
        return None
    device_id = feedback.get("iotDeviceId") or feedback.get("device_id") or record["device_id"]
    return {"device_id": device_id, "payload": feedback.get("payload"), "rule": rule.definition}


@dataclass(frozen=True)
class EventChecker:
    rules: Sequence[EventRule]
    start: Callable[[EventRule, dict[str, Any]], Any]  # (rule, action payload) → the action started
    send_feedback: Callable[[dict[str, Any]], Any] | None = None  # None: device feedback is off

    def __call__(self, event: Any) -> int:
        """Check one record or a list; returns how many rules fired."""
        fired = 0
        for record in normalized_records(event):
            for rule in self.rules:
                if rule.condition.holds(record):
                    self._fire(rule, record)
                    fired += 1
        return fired

    def _fire(self, rule: EventRule, record: dict[str, Any]) -> None:
        self.start(rule, action_payload(rule.definition, record))
        message = feedback_message(rule, record)
        if message is not None and self.send_feedback is not None:
            self.send_feedback(message)
