"""Typed outputs of a layer stack: what later stacks may use of it, and nothing else.

A stack publishes one frozen dataclass (`outputs`); a stack deployed later asks `BuiltLayers` for
the outputs of a layer by type. Reading an attribute of another stack object is not possible, so
what crosses between stacks is written down here and in each cloud's `outputs` module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TypeVar

from twin_model.config.model import Layer
from twin_model.topology import Part
from constructs_lib.inter_cloud_endpoint import InterCloudEndpoint


class LayerWiringError(ValueError):
    """A stack needs something of another layer that was not built: synth stops with the reason."""


@dataclass(frozen=True)
class LayerOutputs:
    """Base of every layer's outputs. `endpoints`: the bridge receivers of a Terraform stack, for
    senders on another Terraform cloud (CDK Terrain cross-stack references, docs/terrain-bridges.md).
    `health`: the cloud's monitoring so far (its alarm channel and the layers it watches, a
    `<cloud>/monitoring.py` dataclass), set when the stack completes (docs/design.md §8)."""

    endpoints: Mapping[str, InterCloudEndpoint] = field(default_factory=dict, kw_only=True)
    health: object | None = field(default=None, kw_only=True)


Outputs = TypeVar("Outputs", bound=LayerOutputs)
Health = TypeVar("Health")


class BuiltLayers:
    """The outputs of the stacks built so far, in deploy order; immutable once handed to a stack.

    A layer's own stack is looked up by its layer; a stack split off a layer by layer and part.
    """

    def __init__(self, outputs: Mapping[tuple[Layer, Part | None], LayerOutputs] | None = None) -> None:
        self._outputs = MappingProxyType(dict(outputs or {}))

    def with_layer(self, layer: Layer, outputs: LayerOutputs, part: Part | None = None) -> "BuiltLayers":
        return BuiltLayers({**self._outputs, (layer, part): outputs})

    def get(self, layer: Layer, kind: type[Outputs], part: Part | None = None) -> Outputs | None:
        """The stack's outputs if it was built on the cloud whose outputs are `kind`, else None."""
        outputs = self._outputs.get((layer, part))
        return outputs if isinstance(outputs, kind) else None

    def require(self, layer: Layer, kind: type[Outputs], needed_by: str, part: Part | None = None) -> Outputs:
        outputs = self.get(layer, kind, part)
        if outputs is None:
            title = part.title if part else layer.title
            raise LayerWiringError(f"{needed_by} needs {title} ({kind.__name__}), which is not built before it")
        return outputs

    def health(self, kind: type[Health]) -> Health | None:
        """The monitoring of the latest layer built whose `health` is a `kind` (one cloud's), or None."""
        for outputs in reversed(list(self._outputs.values())):
            if isinstance(outputs.health, kind):
                return outputs.health
        return None

    def endpoint(self, layer: Layer, connection_id: str, needed_by: str, part: Part | None = None) -> InterCloudEndpoint:
        outputs = self._outputs.get((layer, part))
        endpoint = outputs.endpoints.get(connection_id) if outputs is not None else None
        if endpoint is None:
            title = part.title if part else layer.title
            raise LayerWiringError(f"{needed_by} sends on {connection_id}, but {title} published no endpoint for it")
        return endpoint

    def __contains__(self, layer: Layer) -> bool:
        return (layer, None) in self._outputs
