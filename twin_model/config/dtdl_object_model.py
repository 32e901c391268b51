"""The official DTDL parser's object model of a bundle's models: what the twin checks read.

Entities are keyed by id; an Interface's `properties`, `components`, `relationships` and
`telemetries` already hold the contents it inherits (each once, however many paths lead to an
ancestor), so nothing here walks `extends` to collect contents. `lookups` counts entity reads, for
the test that holds the twin checks to linear work on diamond-shaped inheritance.
"""

from __future__ import annotations

from typing import Any

JsonObject = dict[str, Any]


class ObjectModel:
    def __init__(self, entities: dict[str, JsonObject]) -> None:
        self._entities = entities
        self.lookups = 0

    def entity(self, entity_id: Any) -> JsonObject | None:
        self.lookups += 1
        found = self._entities.get(entity_id) if isinstance(entity_id, str) else None
        return found if isinstance(found, dict) else None

    def interface(self, dtmi: Any) -> JsonObject | None:
        found = self.entity(dtmi)
        return found if found is not None and found.get("EntityKind") == "Interface" else None

    def contents(self, interface: JsonObject, kind: str) -> dict[str, JsonObject]:
        """name → element for `kind` (properties, components, relationships, telemetries, commands),
        inherited ones included, as the parser resolved them."""
        table = interface.get(kind)
        if not isinstance(table, dict):
            return {}
        return {name: element for name, element_id in table.items() if (element := self.entity(element_id)) is not None}

    def names(self, interface: JsonObject, kind: str) -> set[str]:
        table = interface.get(kind)
        return set(table) if isinstance(table, dict) else set()

    def lineage(self, dtmi: str) -> set[str]:
        """The Interface and everything it extends, directly or not (each visited once)."""
        seen: set[str] = set()
        pending = [dtmi]
        while pending:
            current = pending.pop()
            if current in seen:
                continue
            seen.add(current)
            interface = self.interface(current)
            if interface is not None:
                pending.extend(e for e in interface.get("extends", ()) if isinstance(e, str))
        return seen

    def major_version(self, dtmi: Any) -> int | None:
        interface = self.interface(dtmi)
        version = interface.get("languageMajorVersion") if interface is not None else None
        return version if isinstance(version, int) else None
