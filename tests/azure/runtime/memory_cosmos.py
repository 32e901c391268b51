"""An in-memory Cosmos container port: evaluates `CosmosQuery` the way its SQL reads."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from runtime.azure.cosmos_store import CosmosQuery


class InMemoryCosmosContainer:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], dict[str, Any]] = {}  # (partition key, id) → item

    def upsert(self, item: Mapping[str, Any]) -> None:
        self.items[(item["device_id"], item["id"])] = copy.deepcopy(dict(item))

    def delete(self, item_id: str, device_id: str) -> None:
        self.items.pop((device_id, item_id), None)

    def query(self, query: CosmosQuery) -> list[dict[str, Any]]:
        def keep(item: dict[str, Any]) -> bool:
            stamp = item["timestamp"]
            return all((
                query.device_id is None or item["device_id"] == query.device_id,
                query.start is None or stamp >= query.start,
                query.end is None or stamp <= query.end,
                query.after is None or (stamp > query.after if query.ascending else stamp < query.after),
                query.before is None or stamp < query.before,
            ))

        found = sorted((i for i in self.items.values() if keep(i)), key=lambda i: i["timestamp"],
                       reverse=not query.ascending)
        return copy.deepcopy(found[: query.limit] if query.limit else found)
