"""The bridge wire contract's constants (docs/runtime-contract.md)."""

from __future__ import annotations

from datetime import UTC, datetime

TOKEN_HEADER = "X-Inter-Cloud-Token"
# Generated per connection (Secrets Manager, random_password): 48 letters and digits, ~285 bits.
TOKEN_LENGTH = 48


def format_timestamp(moment: datetime) -> str:
    """ISO-8601 UTC with milliseconds and `Z`, the one timestamp format of records and envelopes."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
