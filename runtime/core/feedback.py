"""Device feedback: an event rule's message delivered to one device through L1's device service.

L2's feedback function turns the event checker's `{device_id, payload, rule?}` into a `Feedback`
and hands it to a `DevicePort`: L1's device service when L1 shares L2's cloud, or `BridgeDevices`
(the L2 → L1 feedback bridge, docs/design.md §4) when it does not. On L1's cloud the bridge's
receiver (`feedback_receiver`) checks the envelope and hands each feedback to L1's own port.

Ports raise UnknownDevice for a device the service does not know: the receiver answers 404, which
the sender never retries (a device that does not exist will not appear on a retry).

Idempotency: a feedback keeps one `feedback_id` from L2 to the device (a replayed envelope gives
the same ids, like record ids), the message the device gets is the same on every delivery, and a
receiver instance skips ids it delivered recently. Devices that must see a feedback exactly once
compare `feedback_id` (MQTT QoS 1 and Pub/Sub are at-least-once anyway); on IoT Hub a repeated
delivery writes the same desired property again.
"""

from __future__ import annotations

import functools
import json
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from runtime.core.envelope import EnvelopeError, build_envelope, parse_envelope
from runtime.core.errors import InvalidInput
from runtime.core.receiver import receipt
from runtime.core.record_identity import RECORD_ID_PATTERN, envelope_record_id
from runtime.core.sender import Poster
from runtime.core.telemetry import normalize_timestamp, validate_device_id
from twin_contract.wire import format_timestamp

FEEDBACK = "feedback"  # the envelope's message_type
DEVICE_LAYER = "L1"  # its target_layer: the layer that owns the devices
MAX_PER_ENVELOPE = 100
# The message a device gets, as compact JSON. Set by the strictest service: an IoT Hub device
# twin's desired properties hold 32 KiB in all, so one feedback keeps well below that.
MAX_MESSAGE_BYTES = 8 * 1024
MAX_RULE_LENGTH = 512
RECENT_IDS = 4096  # per receiver instance


class FeedbackError(InvalidInput):
    code = "invalid_feedback"


class UnknownDevice(InvalidInput):
    """The device service has no such device: 404, never retried."""

    code = "unknown_device"
    status = 404


@dataclass(frozen=True)
class Feedback:
    feedback_id: str
    device_id: str
    message: Any  # the rule's payload, any JSON value
    rule: str | None  # the rule's condition, for people reading the device's log
    sent: str  # when L2 sent it (ISO-8601 UTC with milliseconds)

    def device_message(self) -> dict[str, Any]:
        """What the device receives, the same on every cloud and every delivery."""
        return {"message": self.message, "feedback_id": self.feedback_id, "rule": self.rule, "sent": self.sent}

    def to_wire(self) -> dict[str, Any]:
        return {
            "feedback_id": self.feedback_id,
            "device_id": self.device_id,
            "payload": self.message,
            "rule": self.rule,
            "sent": self.sent,
        }


class DevicePort(Protocol):
    """Delivers a feedback to its device; returns where it went (a topic, a twin path, ...)."""

    def deliver(self, feedback: Feedback) -> str: ...


def feedback_from_event(event: Any, now: datetime | None = None) -> Feedback:
    """The event checker's `{device_id, payload, rule?}` (L2), given its identity and time here."""
    if not isinstance(event, Mapping) or "payload" not in event:
        raise FeedbackError("feedback needs {device_id, payload}")
    rule = event.get("rule")
    condition = rule.get("condition") if isinstance(rule, Mapping) else rule
    return _checked(
        feedback_id=event.get("feedback_id") or uuid.uuid4().hex,
        device_id=event.get("device_id"),
        message=event["payload"],
        rule=condition,
        sent=format_timestamp(now or datetime.now(UTC)),
    )


def feedback_from_wire(raw: Any, default_id: Callable[[], str], default_time: str) -> Feedback:
    """One feedback of a received envelope; id and time default to the envelope's."""
    if not isinstance(raw, Mapping) or "payload" not in raw:
        raise FeedbackError("each feedback needs device_id and payload")
    try:
        sent = normalize_timestamp(raw.get("sent") or default_time)
    except InvalidInput as exc:
        raise FeedbackError(f"sent: {exc}") from None
    return _checked(raw.get("feedback_id") or default_id(), raw.get("device_id"), raw["payload"], raw.get("rule"), sent)


def _checked(feedback_id: Any, device_id: Any, message: Any, rule: Any, sent: str) -> Feedback:
    if not isinstance(feedback_id, str) or not RECORD_ID_PATTERN.fullmatch(feedback_id):
        raise FeedbackError("feedback_id must be 32 lowercase hex digits")
    if rule is not None and (not isinstance(rule, str) or len(rule) > MAX_RULE_LENGTH):
        raise FeedbackError(f"rule must be a condition of at most {MAX_RULE_LENGTH} characters")
    feedback = Feedback(feedback_id, validate_device_id(device_id), message, rule, sent)
    try:
        size = len(json.dumps(feedback.device_message(), separators=(",", ":"), allow_nan=False).encode())
    except (TypeError, ValueError):
        raise FeedbackError("the feedback payload must be JSON (finite numbers only)") from None
    if size > MAX_MESSAGE_BYTES:
        raise FeedbackError(f"the feedback message is {size} bytes; devices accept at most {MAX_MESSAGE_BYTES}")
    return feedback


class BridgeDevices:
    """L2's port when L1 is on another cloud: the feedback bridge's sending side (the shared client
    retries network errors, 5xx and 429, and raises after the last attempt for the dead letters)."""

    def __init__(self, client: Poster, source_cloud: str) -> None:
        self._client, self._source_cloud = client, source_cloud

    def deliver(self, feedback: Feedback) -> str:
        self._client.post(build_envelope([feedback.to_wire()], self._source_cloud, DEVICE_LAYER, FEEDBACK))
        return "feedback bridge"


def send_feedback(event: Any, port: DevicePort, now: datetime | None = None) -> dict[str, str]:
    """L2's use case: one event's feedback to its device, whichever cloud the device is on."""
    feedback = feedback_from_event(event, now)
    return {"feedback_id": feedback.feedback_id, "device_id": feedback.device_id, "delivered_to": port.deliver(feedback)}


class RecentIds:
    """The feedback ids this instance delivered last (bounded, thread-safe)."""

    def __init__(self, size: int = RECENT_IDS) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._size, self._lock = size, threading.Lock()

    def __contains__(self, feedback_id: str) -> bool:
        with self._lock:
            return feedback_id in self._ids

    def add(self, feedback_id: str) -> None:
        with self._lock:
            self._ids[feedback_id] = None
            self._ids.move_to_end(feedback_id)
            while len(self._ids) > self._size:
                self._ids.popitem(last=False)


def feedback_receiver(port: DevicePort, recent: RecentIds | None = None) -> Callable[[Any], dict[str, Any]]:
    """A `handle_inbound` handler of L1's feedback receiver: envelope → each feedback → `port`."""
    delivered = recent if recent is not None else RecentIds()

    def handle(body: Any) -> dict[str, Any]:
        envelope = parse_envelope(body, DEVICE_LAYER)
        if envelope.message_type != FEEDBACK:
            raise EnvelopeError(f"this receiver takes message_type {FEEDBACK!r}, got {envelope.message_type!r}")
        raws = envelope.payload if isinstance(envelope.payload, list) else [envelope.payload]
        if len(raws) > MAX_PER_ENVELOPE:
            raise FeedbackError(f"at most {MAX_PER_ENVELOPE} feedbacks per envelope")
        feedbacks = [
            feedback_from_wire(raw, functools.partial(envelope_record_id, envelope.trace_id, index), envelope.timestamp)
            for index, raw in enumerate(raws)
        ]
        for feedback in feedbacks:
            if feedback.feedback_id not in delivered:
                port.deliver(feedback)
                delivered.add(feedback.feedback_id)
        return receipt(envelope.trace_id, len(feedbacks))

    return handle
