"""Where an Azure resource lives: the layer's names, region, resource group and tags.

Why one value: every top-level azurerm resource of a layer takes the same region, resource group
and tags, so the constructs take one `placement` instead of repeating them in every props class
and resource call, and a construct that spreads `resource_args()` cannot forget the tags.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from constructs_lib.azure.naming import AzureNames


@dataclass(frozen=True)
class AzurePlacement:
    names: AzureNames
    location: str
    resource_group_name: str  # usually a reference to the layer's resource group
    tags: tuple[tuple[str, str], ...] = ()

    def resource_args(self) -> dict[str, Any]:
        """`location`, `resource_group_name` and `tags` of a top-level resource, to spread into its call."""
        return {"location": self.location, "resource_group_name": self.resource_group_name, "tags": dict(self.tags)}
