"""What every layer stack is built from: the project, its topology, and the layers built before it."""

from __future__ import annotations

from dataclasses import dataclass

from cdk_app.bundles import BundleStager
from cdk_app.config.model import Layer, ProjectConfig
from cdk_app.stacks.outputs import BuiltLayers
from cdk_app.topology import Topology


@dataclass(frozen=True)
class LayerContext:
    config: ProjectConfig
    topology: Topology
    layer: Layer
    upstream: BuiltLayers  # typed outputs of the layers deployed before this one
    bundles: BundleStager  # the synth's function code bundles

    @property
    def stack_name(self) -> str:
        return self.topology.stack_name(self.layer)

    @property
    def twin(self) -> str:
        return self.config.name

    @property
    def debug(self) -> bool:
        return self.config.twin.debug
