"""What every layer stack is built from: the validated project and its topology."""

from __future__ import annotations

from dataclasses import dataclass

from cdk_app.config.model import Layer, ProjectConfig
from cdk_app.topology import Topology


@dataclass(frozen=True)
class LayerContext:
    config: ProjectConfig
    topology: Topology
    layer: Layer

    @property
    def stack_name(self) -> str:
        return self.topology.stack_name(self.layer)

    @property
    def twin(self) -> str:
        return self.config.name
