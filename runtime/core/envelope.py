"""The telemetry envelope every bridge carries (docs/design.md §5).

`{source_cloud, target_layer, message_type, timestamp, trace_id, payload}`; the payload is one
record or a list of records.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from runtime.core.errors import InvalidInput
from runtime.core.receiver import receipt
from runtime.core.record_identity import envelope_record_id
from runtime.core.telemetry import as_records, normalize_record
from twin_contract.registry import connection_id
from twin_contract.bridges import ENVELOPE_CONNECTIONS
from twin_contract.wire import format_timestamp

TELEMETRY = "telemetry"
FIELDS = ("source_cloud", "target_layer", "message_type", "timestamp", "trace_id", "payload")
TEXT_FIELDS = FIELDS[:-1]
MAX_FIELD_LENGTH = 128

logger = logging.getLogger(__name__)


class EnvelopeError(InvalidInput):
    code = "invalid_envelope"


@dataclass(frozen=True)
class Envelope:
    source_cloud: str
    target_layer: str
    message_type: str
    timestamp: str
    trace_id: str
    payload: Any

    @property
    def records(self) -> list[Any]:
        return as_records(self.payload)


def build_envelope(
    payload: Any, source_cloud: str, target_layer: str, message_type: str = TELEMETRY, now: datetime | None = None
) -> dict[str, Any]:
    return {
        "source_cloud": source_cloud,
        "target_layer": target_layer,
        "message_type": message_type,
        "timestamp": format_timestamp(now or datetime.now(UTC)),
        "trace_id": uuid.uuid4().hex,
        "payload": payload,
    }


def parse_envelope(body: Any, target_layer: str) -> Envelope:
    """Validate a received envelope addressed to `target_layer`."""
    if not isinstance(body, Mapping):
        raise EnvelopeError("the body must be a JSON envelope object")
    missing = [name for name in FIELDS if body.get(name) in (None, "")]
    if missing:
        raise EnvelopeError(f"envelope is missing {', '.join(missing)}")
    bad = [name for name in TEXT_FIELDS if not isinstance(body[name], str) or len(body[name]) > MAX_FIELD_LENGTH]
    if bad:
        raise EnvelopeError(f"envelope fields {', '.join(bad)} must be strings of at most {MAX_FIELD_LENGTH} characters")
    if body["target_layer"] != target_layer:
        raise EnvelopeError(f"envelope is for {body['target_layer']!r}, this receiver serves {target_layer!r}")
    if not isinstance(body["payload"], (Mapping, list)) or body["payload"] == []:
        raise EnvelopeError("payload must be a record or a non-empty list of records")
    return Envelope(**{name: body[name] for name in FIELDS})


def chunks(records: Sequence[Any], size: int) -> list[Sequence[Any]]:
    if size <= 0:
        raise ValueError("chunk size must be positive")
    return [records[start : start + size] for start in range(0, len(records), size)]


def records_receiver(
    target_layer: str, deliver: Callable[[list[dict[str, Any]]], Any], receiving_cloud: str | None = None
) -> Callable[[Any], dict[str, Any]]:
    """A `handle_inbound` handler: envelope → normalised records → `deliver` → receipt.

    A record sent without an id or a time gets them from the envelope (its trace id and index,
    its timestamp): a replayed envelope yields the same records, so nothing is stored twice. The
    envelope's trace id is logged with the bridge's connection id (when `receiving_cloud` is given).
    """

    def handle(body: Any) -> dict[str, Any]:
        envelope = parse_envelope(body, target_layer)
        records = [
            normalize_record(
                raw,
                default_time=envelope.timestamp,
                default_id=functools.partial(envelope_record_id, envelope.trace_id, index),
            )
            for index, raw in enumerate(envelope.records)
        ]
        deliver(records)
        logger.info(
            "received %d records from %s", len(records), envelope.source_cloud,
            extra={
                "trace_id": envelope.trace_id, "count": len(records), "source_cloud": envelope.source_cloud,
                "target_layer": target_layer, "connection": _connection(envelope.source_cloud, target_layer, receiving_cloud),
            },
        )
        return receipt(envelope.trace_id, len(records))

    return handle


def _connection(source_cloud: str, target_layer: str, receiving_cloud: str | None) -> str | None:
    segments = ENVELOPE_CONNECTIONS.get(target_layer)
    if receiving_cloud is None or segments is None:
        return None
    return connection_id(source_cloud, segments[0], receiving_cloud, segments[1])
