"""Which stack of a cloud holds the twin's alarm channel and which its dashboard, and the order of
the dashboard's rows (docs/design.md §8).

The channel goes into the cloud's first stack in deploy order, so it exists before any alarm that
notifies it; the dashboard into its last, which knows what every stack before it made. Rows
follow the data (L1 → L5), a stack split off a layer right after the layer's own.
"""

from __future__ import annotations

from twin_model.config.model import Layer, Provider
from twin_model.topology import Topology, TwinStack


def last_on(topology: Topology, cloud: Provider) -> TwinStack:
    return [stack for stack in topology.stacks if stack.cloud is cloud][-1]


def data_order(stack: TwinStack) -> tuple[int, int]:
    return list(Layer).index(stack.layer), 0 if stack.part is None else 1
