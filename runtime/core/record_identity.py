"""Record identity: every record carries a `record_id`, assigned once where it enters the twin.

Timestamps alone cannot key records: two readings of a device may share a millisecond, and a
device without a clock gets its time from the platform. So each record gets 32 hex digits (a
name-based UUID, RFC 4122 version 5) that are a pure function of where it came from, so a
platform's redelivery of the same message yields the same id and stores overwrite instead of
adding a row:

| where the record enters | name hashed |
|---|---|
| the L1 dispatcher | `<cloud>:<the platform's message id>` (IoT rule `newuuid()`, Event Grid event id, Pub/Sub messageId) |
| a bridge receiver, for a record sent without an id | `<envelope trace_id>:<index in the envelope>` |
| a processor returning n > 1 records for one input | `<input record_id>:<output index>` |
| a record stored before record ids existed | `<device_id>:<timestamp>` (the identity its old key gave it) |

Stores key records by `storage_key` = `<timestamp>#<record_id>`: it sorts by time first, keeps
readings of the same millisecond apart, and is the same for a replayed record.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Mapping
from typing import Any

from runtime.core.errors import RecordError

RECORD_ID = "record_id"
# Fixed forever: changing it would give every replayed record a new identity.
NAMESPACE = uuid.UUID("1cb9fecd-413c-4951-a5f3-8620f77205c5")
_NAMESPACE_BYTES = NAMESPACE.bytes
RECORD_ID_PATTERN = re.compile(r"[0-9a-f]{32}")
SEPARATOR = "#"
# Sorts after every record id character: `<end>#~` bounds every key of the timestamp `<end>`.
_KEY_CEILING = "~"


class RecordIdError(RecordError):
    pass


def named_id(name: str) -> str:
    """uuid.uuid5(NAMESPACE, name).hex, without building UUID objects (this runs per record)."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + name.encode("utf-8", "surrogatepass")).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    return digest.hex()


def ingress_id(cloud: str, message_id: Any) -> str:
    """The id of a device message the platform identifies (random when it does not)."""
    if message_id in (None, ""):
        return uuid.uuid4().hex
    return named_id(f"{cloud}:{message_id}")


def envelope_record_id(trace_id: str, index: int) -> str:
    return named_id(f"{trace_id}:{index}")


def fanout_record_id(parent_id: str, index: int) -> str:
    return named_id(f"{parent_id}:{index}")


def legacy_record_id(device_id: str, timestamp: str) -> str:
    return named_id(f"{device_id}:{timestamp}")


def validate_record_id(value: Any) -> str:
    if not isinstance(value, str) or not RECORD_ID_PATTERN.fullmatch(value):
        raise RecordIdError(f"{RECORD_ID} must be 32 lowercase hex digits, got {_preview(value)}")
    return value


def storage_key(record: Mapping[str, Any]) -> str:
    return f"{record['timestamp']}{SEPARATOR}{record[RECORD_ID]}"


def split_storage_key(value: str, device_id: str, stored_id: Any = None) -> tuple[str, str]:
    """(timestamp, record_id) of a stored key. A key written before record ids existed is a bare
    timestamp: its record keeps a stored `record_id`, else gets the identity its old key gave it."""
    timestamp, separator, record_id = value.partition(SEPARATOR)
    if separator:
        return timestamp, record_id
    return timestamp, stored_id if isinstance(stored_id, str) and stored_id else legacy_record_id(device_id, timestamp)


def key_range(start: str, end: str) -> tuple[str, str]:
    """Inclusive bounds of the storage keys of records timed within [start, end]."""
    return start, f"{end}{SEPARATOR}{_KEY_CEILING}"


def _preview(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
