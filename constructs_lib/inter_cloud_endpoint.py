"""What a receiver stack exposes to a sender stack on another Terraform cloud (docs/terrain-bridges.md).

Why a plain value object: CDK Terrain turns any attribute read across stacks into an output of
the receiver stack and a remote-state read in the sender stack, so both sides only agree on the
attribute names: `url`, `last_entry_url` (hot-reader bridge only) and `token`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InterCloudEndpoint:
    connection_id: str
    url: str  # Terraform reference to the receiver's HTTPS URL
    token: str  # Terraform reference to the generated token (a sensitive output across stacks)
    last_entry_url: str | None = None
