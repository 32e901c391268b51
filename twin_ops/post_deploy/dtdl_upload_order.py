"""The order and batches in which Azure Digital Twins takes a set of DTDL models.

The service's model upload (DigitalTwinModels Add) resolves every Interface a model extends and
every Interface or schema it uses (a Component's schema, a schema defined in another model's
`schemas`) among the models already in the instance and those of the same request; it takes at most
250 models per request (reference-service-limits). So models go in dependency order, an Interface
after everything it extends or uses, in batches of at most 250. Relationship targets are not
dependencies: DTDL does not resolve them, and ontologies name targets in other ontologies.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

MODELS_PER_REQUEST = 250
NOT_REFERENCES = ("@id", "@context", "@type", "target")  # DTMIs that name no model a model needs


def defined_ids(model: dict[str, Any]) -> set[str]:
    """The ids a model defines: its own and those of elements inside it (e.g. its `schemas`)."""
    found: set[str] = set()
    stack: list[Any] = [model]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("@id"), str):
                found.add(node["@id"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def references(model: dict[str, Any]) -> set[str]:
    """DTMIs a model refers to other than its own ids, its contexts, types and relationship targets."""
    found: set[str] = set()
    stack: list[Any] = [model]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key in NOT_REFERENCES:
                    continue
                if isinstance(value, str) and value.startswith("dtmi:"):
                    found.add(value)
                else:
                    stack.append(value)
        elif isinstance(node, list):
            for value in node:
                if isinstance(value, str) and value.startswith("dtmi:"):
                    found.add(value)
                else:
                    stack.append(value)
    return found - defined_ids(model)


def dependency_order(models: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Groups of models in upload order: each after every model it needs; models that need each
    other (possible through schemas) form one group, to go in one request."""
    owner: dict[str, int] = {}
    for index, model in enumerate(models):
        for defined in defined_ids(model):
            owner.setdefault(defined, index)
    needs = [{owner[r] for r in references(model) if r in owner} - {index} for index, model in enumerate(models)]
    groups: list[list[dict[str, Any]]] = []
    placed: set[int] = set()
    remaining = list(range(len(models)))
    while remaining:
        ready = [i for i in remaining if needs[i] <= placed]
        if not ready:  # a cycle: what is left goes together
            ready = list(remaining)
            groups.append([models[i] for i in ready])
        else:
            groups.extend([models[i]] for i in ready)
        placed.update(ready)
        remaining = [i for i in remaining if i not in placed]
    return groups


def batches(models: list[dict[str, Any]], size: int = MODELS_PER_REQUEST) -> Iterator[list[dict[str, Any]]]:
    """Requests of at most `size` models, in dependency order (a group that needs itself stays whole)."""
    batch: list[dict[str, Any]] = []
    for group in dependency_order(models):
        if batch and len(batch) + len(group) > size:
            yield batch
            batch = []
        batch.extend(group)
    if batch:
        yield batch
