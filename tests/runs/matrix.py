"""The projects whose synthesized twins are booted function by function and run on this machine.

The bundled examples, a twin model alone (issue #23's Azure Digital Twins-only fixture), and nine
provider maps. Six place (L1, L2, hot, cold, archive) as (a, b, c, a, b) for one permutation
(a, b, c) of the three clouds: neighbours always differ, so every chain bridge exists, and over the
six permutations each of them (L1 → L2, L2 → hot, hot → cold, cold → archive, and the device
feedback L2 → L1) runs in all six ordered cloud pairs. L4 and L5 sit on different clouds in each,
chosen so that, with the examples, the hot-reader, twin-update and dashboard connections take
every pair they can. The seventh leaves L4 and L5 out ("none"), the last two leave storage tiers
out (hot alone; cold without archive). `coverage()` computes what a set of projects covers from the
topology, and the boot test asserts it against `universe()` (every provider map the clouds
accept), so a new bridge kind, layer or placement ("none" included) fails that test until the
matrix covers it.

Every project with a data path has event checking, actions, the notification workflow, feedback
and processors on: a mixed project copies the example whose L2 is on its L2 cloud (its events,
action code and workflow are written for that cloud).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from twin_model.clouds import CLOUDS
from twin_model.config.model import Layer, Provider, Providers, placement_problems
from twin_model.topology import BridgeKind, Features, Topology, plan
from tests.conftest import REPO, write_project

EXAMPLES_DIR = REPO / "examples"
EXAMPLES = ("factory-floor", "factory-floor-azure", "factory-floor-aws-azure", "factory-floor-gcp")
CLOUD_KEYS = {"aws": Provider.AWS, "azure": Provider.AZURE, "google": Provider.GOOGLE}
LAYER_ORDER = (Layer.L1, Layer.L2, Layer.L3_HOT, Layer.L3_COLD, Layer.L3_ARCHIVE, Layer.L4, Layer.L5)

# name → providers of (L1, L2, hot, cold, archive, L4, L5)
MIXED: dict[str, tuple[str, ...]] = {
    # The predecessor's own template topology (the reproduction).
    "mx-template": ("google", "azure", "aws", "google", "azure", "azure", "aws"),
    "mx-aws-gcp-az": ("aws", "google", "azure", "aws", "google", "azure", "aws"),
    "mx-az-aws-gcp": ("azure", "aws", "google", "azure", "aws", "azure", "aws"),
    "mx-gcp-aws-az": ("google", "aws", "azure", "google", "aws", "aws", "azure"),
    "mx-aws-az-gcp": ("aws", "azure", "google", "aws", "azure", "aws", "azure"),
    "mx-az-gcp-aws": ("azure", "google", "aws", "azure", "google", "aws", "azure"),
    # No twin model and no dashboards (Google offers neither): the data path alone.
    "mx-gcp-no-twin": ("google", "google", "google", "google", "google", "none", "none"),
    # Left-out storage tiers: hot storage alone (records expire by their TTL), cold without archive.
    "mx-aws-hot-only": ("aws", "aws", "aws", "none", "none", "aws", "aws"),
    "mx-gcp-no-archive": ("google", "google", "google", "google", "none", "none", "none"),
}
# A twin model alone (layers 1 to 3 and 5 "none"): the predecessor's Azure Digital Twins-only twin.
MODEL_ONLY = {"regression_adt_only": REPO / "tests" / "compat" / "fixtures" / "regression_adt_only"}
# The example whose events, actions and workflow are written for each L2 cloud.
BASE_FOR_L2 = {Provider.AWS: "factory-floor", Provider.AZURE: "factory-floor-azure", Provider.GOOGLE: "factory-floor-gcp"}

Placement = tuple[Layer, Provider]
Route = tuple[BridgeKind, Provider, Provider]  # the bridge kind, from the cloud the data leaves to the one it enters


@dataclass(frozen=True)
class MatrixProject:
    name: str
    providers: dict[str, str] | None  # None: the example as it is

    @property
    def is_example(self) -> bool:
        return self.name in EXAMPLES

    @property
    def has_data_path(self) -> bool:
        return self.name not in MODEL_ONLY

    def write(self, target: Path) -> Path:
        """The project folder (a copy of its base example with its own providers and twin name)."""
        if self.providers is None:
            return MODEL_ONLY.get(self.name, EXAMPLES_DIR / self.name)
        l2 = CLOUD_KEYS[self.providers[Layer.L2.config_key]]
        base = EXAMPLES_DIR / BASE_FOR_L2[l2]
        config = json.loads((base / "config.json").read_text("utf-8"))
        return write_project(target, self.providers, base=base, config={**config, "digital_twin_name": self.name})


def matrix() -> list[MatrixProject]:
    return [MatrixProject(name, None) for name in (*EXAMPLES, *MODEL_ONLY)] + [
        MatrixProject(name, {layer.config_key: cloud for layer, cloud in zip(LAYER_ORDER, clouds, strict=True)})
        for name, clouds in MIXED.items()
    ]


def coverage(topologies: Iterable[Topology]) -> tuple[set[Placement], set[Route]]:
    placements: set[Placement] = set()
    routes: set[Route] = set()
    for topology in topologies:
        placements |= {(layer, topology.providers.get(layer)) for layer in Layer}
        routes |= {
            (bridge.kind, topology.cloud(bridge.spec.source), topology.cloud(bridge.spec.target))
            for bridge in topology.bridges
        }
    return placements, routes


def universe() -> tuple[set[Placement], set[Route]]:
    """Every placement ("none" included where a layer may be left out) and bridge route of every
    provider map the clouds can host, with device feedback on (as in every matrix project)."""
    options = [[cloud for cloud in Provider if layer in CLOUDS[cloud].layers] + [None] for layer in Layer]
    maps = (dict(zip(Layer, choice, strict=True)) for choice in itertools.product(*options))
    return coverage(
        plan("universe", Providers.of(providers), Features(device_feedback=True))
        for providers in maps
        if not placement_problems([layer for layer, cloud in providers.items() if cloud is not None])
    )
