"""What a receiver stack exposes to a sender stack on another Terraform cloud (docs/terrain-bridges.md).

Why a plain value object: CDK Terrain turns any value read across stacks into an output of the
receiver stack and a remote-state read in the sender stack, so both sides only agree on what the
object holds: the URL of each endpoint the bridge's wire names (registry key → URL) and the token.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from twin_contract.registry import LAST_ENTRY_URL_KEY, URL_KEY


@dataclass(frozen=True)
class InterCloudEndpoint:
    connection_id: str
    urls: Mapping[str, str]  # registry key → Terraform reference to the receiver's HTTPS URL
    token: str  # Terraform reference to the generated token (a sensitive output across stacks)

    def __post_init__(self) -> None:
        object.__setattr__(self, "urls", MappingProxyType(dict(self.urls)))

    @property
    def url(self) -> str:
        return self.urls[URL_KEY]

    @property
    def last_entry_url(self) -> str | None:
        """The reader bridges' last-entry endpoint, else None."""
        return self.urls.get(LAST_ENTRY_URL_KEY)
