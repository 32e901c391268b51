"""What every layer stack is built from: the project, its topology, and the stacks built before it."""

from __future__ import annotations

from dataclasses import dataclass

from cdk_app.bundles import BundleStager
from twin_model.config.model import Layer, ProjectConfig
from cdk_app.stacks.outputs import BuiltLayers
from twin_model.topology import Part, Topology, TwinStack


@dataclass(frozen=True)
class LayerContext:
    config: ProjectConfig
    topology: Topology
    layer: Layer
    upstream: BuiltLayers  # typed outputs of the stacks deployed before this one
    bundles: BundleStager  # the synth's function code bundles
    part: Part | None = None  # set for a stack split off the layer (e.g. the L1 feedback receiver)

    @property
    def stack(self) -> TwinStack:
        stack = self.topology.stack(self.layer, self.part)
        if stack is None:
            raise LookupError(f"{self.topology.stack_name(self.layer, self.part)} is not a stack of this twin")
        return stack

    @property
    def stack_name(self) -> str:
        return self.topology.stack_name(self.layer, self.part)

    @property
    def twin(self) -> str:
        return self.config.name

    @property
    def debug(self) -> bool:
        return self.config.twin.debug
