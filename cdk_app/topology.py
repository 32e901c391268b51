"""Who goes where: the only place that decides which stacks and bridges exist.

A pure function of the providers; stacks and constructs only ask the topology.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from cdk_app.config.model import Layer, Provider, Providers


class BridgeKind(str, Enum):
    L1_TO_L2 = "l1_to_l2"
    L2_TO_HOT = "l2_to_l3_hot"
    HOT_TO_COLD = "l3_hot_to_l3_cold"
    COLD_TO_ARCHIVE = "l3_cold_to_l3_archive"
    L2_TO_TWIN_UPDATE = "l2_to_l4_twin_update"
    HOT_TO_L4_READER = "l3_to_l4_hot_reader"


@dataclass(frozen=True)
class Bridge:
    """A cross-cloud connection. The receiver owns the endpoint and token; the sender calls it.

    `sender_layer`/`receiver_layer` name the stacks that hold each side. For the hot-reader bridge
    the L4 stack is the caller (sender of requests) while data flows from L3 hot to L4.
    """

    kind: BridgeKind
    sender_layer: Layer
    sender_cloud: Provider
    receiver_layer: Layer
    receiver_cloud: Provider
    connection_id: str

    @property
    def label(self) -> str:
        return {
            BridgeKind.L1_TO_L2: "Connector → Ingestion",
            BridgeKind.L2_TO_HOT: "Persister → Hot writer",
            BridgeKind.HOT_TO_COLD: "Hot→cold mover → Cold writer",
            BridgeKind.COLD_TO_ARCHIVE: "Cold→archive mover → Archive writer",
            BridgeKind.L2_TO_TWIN_UPDATE: "Persister → ADT updater",
            BridgeKind.HOT_TO_L4_READER: "DT Data Connector → Hot reader",
        }[self.kind]


# Deploy order follows the data backwards: every stack is deployed after the stacks it calls or
# references (receivers before senders, table before persister, processor before dispatcher).
# L4 comes before L2: it calls the L3 hot reader, and with Azure Digital Twins it receives the
# persister's twin updates (L2 → L4 bridge), so it must exist before L2.
DEPLOY_ORDER = (Layer.L3_ARCHIVE, Layer.L3_COLD, Layer.L3_HOT, Layer.L4, Layer.L2, Layer.L1, Layer.L5)


@dataclass(frozen=True)
class Topology:
    twin_name: str
    providers: Providers
    bridges: tuple[Bridge, ...]

    def cloud(self, layer: Layer) -> Provider:
        return self.providers[layer]

    def stack_name(self, layer: Layer) -> str:
        return f"{self.twin_name}-{layer.value}"

    def layers_on(self, cloud: Provider) -> tuple[Layer, ...]:
        return tuple(layer for layer in Layer if self.cloud(layer) is cloud)

    @property
    def clouds(self) -> tuple[Provider, ...]:
        return tuple(p for p in Provider if self.layers_on(p))

    def bridge(self, kind: BridgeKind) -> Bridge | None:
        return next((b for b in self.bridges if b.kind is kind), None)

    def has(self, kind: BridgeKind) -> bool:
        return self.bridge(kind) is not None

    def bridges_sent_by(self, layer: Layer) -> tuple[Bridge, ...]:
        return tuple(b for b in self.bridges if b.sender_layer is layer)

    def bridges_received_by(self, layer: Layer) -> tuple[Bridge, ...]:
        return tuple(b for b in self.bridges if b.receiver_layer is layer)

    @property
    def deploy_order(self) -> tuple[Layer, ...]:
        return DEPLOY_ORDER


def _connection_id(kind: BridgeKind, sender: Provider, receiver: Provider) -> str:
    left, right = {
        BridgeKind.L1_TO_L2: ("l1", "l2"),
        BridgeKind.L2_TO_HOT: ("l2", "l3_hot"),
        BridgeKind.HOT_TO_COLD: ("l3_hot", "l3_cold"),
        BridgeKind.COLD_TO_ARCHIVE: ("l3_cold", "l3_archive"),
        BridgeKind.L2_TO_TWIN_UPDATE: ("l2", "l4_twin_update"),
        BridgeKind.HOT_TO_L4_READER: ("l3", "l4_hot_reader"),
    }[kind]
    return f"{sender.value}_{left}_to_{receiver.value}_{right}"


# (kind, layer the data leaves, layer the data enters, sender layer, receiver layer)
_EDGES = (
    (BridgeKind.L1_TO_L2, Layer.L1, Layer.L2, Layer.L1, Layer.L2),
    (BridgeKind.L2_TO_HOT, Layer.L2, Layer.L3_HOT, Layer.L2, Layer.L3_HOT),
    (BridgeKind.HOT_TO_COLD, Layer.L3_HOT, Layer.L3_COLD, Layer.L3_HOT, Layer.L3_COLD),
    (BridgeKind.COLD_TO_ARCHIVE, Layer.L3_COLD, Layer.L3_ARCHIVE, Layer.L3_COLD, Layer.L3_ARCHIVE),
    (BridgeKind.HOT_TO_L4_READER, Layer.L3_HOT, Layer.L4, Layer.L4, Layer.L3_HOT),
)


def plan(twin_name: str, providers: Providers) -> Topology:
    """Place every layer and derive the bridges of DESIGN §4 (one per differing neighbour pair)."""
    bridges = []
    for kind, source, target, sender, receiver in _EDGES:
        if providers[source] is not providers[target]:
            bridges.append(
                Bridge(
                    kind,
                    sender,
                    providers[sender],
                    receiver,
                    providers[receiver],
                    _connection_id(kind, providers[source], providers[target]),
                )
            )
    if providers[Layer.L4] is Provider.AZURE and providers[Layer.L2] is not Provider.AZURE:
        bridges.append(
            Bridge(
                BridgeKind.L2_TO_TWIN_UPDATE,
                Layer.L2,
                providers[Layer.L2],
                Layer.L4,
                Provider.AZURE,
                _connection_id(BridgeKind.L2_TO_TWIN_UPDATE, providers[Layer.L2], Provider.AZURE),
            )
        )
    return Topology(twin_name, providers, tuple(bridges))
