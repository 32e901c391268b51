"""The bridge wire contract's constants (docs/runtime-contract.md)."""

from __future__ import annotations

from datetime import UTC, datetime

TOKEN_HEADER = "X-Inter-Cloud-Token"
# Generated per connection (Secrets Manager, random_password): 48 letters and digits, ~285 bits.
TOKEN_LENGTH = 48


def format_timestamp(moment: datetime) -> str:
    """ISO-8601 UTC with milliseconds and `Z`, the one timestamp format of records and envelopes."""
    utc = moment.astimezone(UTC)
    # Fields padded by hand: strftime's %Y does not pad years below 1000 on every platform.
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}"
        f".{utc.microsecond // 1000:03d}Z"
    )


# Envelope `target_layer` values: the layer whose receiver an envelope is addressed to. The bridge
# that carries each is its row of twin_contract/bridges.py (`envelope_target`).
PROCESSING_LAYER = "L2"
HOT_STORAGE_LAYER = "L3_hot"
TWIN_UPDATE_LAYER = "L4"  # the twin-update bridge (L2 → Azure Digital Twins' ADT updater)
