"""Who goes where: the only place that decides which stacks and bridges exist.

A pure function of the providers; stacks and constructs only ask the topology. Every bridge is
one row of BRIDGES (docs/design.md, "Bridges"): adding a bridge is a row here, the receiving and
sending code in the two layer stacks, and the runtime function on each side.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from cdk_app.config.model import Layer, Provider, Providers
from twin_contract import functions as contract
from twin_contract.registry import LAST_ENTRY_URL_KEY, URL_KEY, connection_id


class BridgeKind(str, Enum):
    L1_TO_L2 = "l1_to_l2"
    L2_TO_HOT = "l2_to_l3_hot"
    HOT_TO_COLD = "l3_hot_to_l3_cold"
    COLD_TO_ARCHIVE = "l3_cold_to_l3_archive"
    L2_TO_TWIN_UPDATE = "l2_to_l4_twin_update"
    HOT_TO_L4_READER = "l3_to_l4_hot_reader"


@dataclass(frozen=True)
class BridgeSpec:
    """One kind of cross-cloud connection.

    `source`/`target` are the layers the data leaves and enters (they name the connection id);
    `sender`/`receiver` are the stacks that hold the calling side and the endpoint. They differ
    for the hot-reader bridge, where L4 calls L3 hot and the data flows back.
    """

    kind: BridgeKind
    label: str
    source: Layer
    target: Layer
    sender: Layer
    receiver: Layer
    id_parts: tuple[str, str]  # the connection id's layer segments: <cloud>_<a>_to_<cloud>_<b>
    exists: Callable[[Providers], bool]
    endpoint_keys: tuple[str, ...] = (URL_KEY,)  # URLs the receiver publishes (registry keys)
    # The sender's settings are <prefix>_URL (and _LAST_ENTRY_URL) and <prefix>_TOKEN_SECRET.
    setting_prefix: str = contract.REMOTE

    def connection_id(self, providers: Providers) -> str:
        left, right = self.id_parts
        return connection_id(providers[self.source].value, left, providers[self.target].value, right)


def _differ(a: Layer, b: Layer) -> Callable[[Providers], bool]:
    return lambda providers: providers[a] is not providers[b]


BRIDGES: tuple[BridgeSpec, ...] = (
    BridgeSpec(
        BridgeKind.L1_TO_L2, "Connector → Ingestion",
        Layer.L1, Layer.L2, Layer.L1, Layer.L2, ("l1", "l2"), _differ(Layer.L1, Layer.L2),
    ),
    BridgeSpec(
        BridgeKind.L2_TO_HOT, "Persister → Hot writer",
        Layer.L2, Layer.L3_HOT, Layer.L2, Layer.L3_HOT, ("l2", "l3_hot"), _differ(Layer.L2, Layer.L3_HOT),
    ),
    BridgeSpec(
        BridgeKind.HOT_TO_COLD, "Hot→cold mover → Cold writer",
        Layer.L3_HOT, Layer.L3_COLD, Layer.L3_HOT, Layer.L3_COLD, ("l3_hot", "l3_cold"),
        _differ(Layer.L3_HOT, Layer.L3_COLD),
    ),
    BridgeSpec(
        BridgeKind.COLD_TO_ARCHIVE, "Cold→archive mover → Archive writer",
        Layer.L3_COLD, Layer.L3_ARCHIVE, Layer.L3_COLD, Layer.L3_ARCHIVE, ("l3_cold", "l3_archive"),
        _differ(Layer.L3_COLD, Layer.L3_ARCHIVE),
    ),
    BridgeSpec(
        BridgeKind.HOT_TO_L4_READER, "DT Data Connector → Hot reader",
        Layer.L3_HOT, Layer.L4, Layer.L4, Layer.L3_HOT, ("l3", "l4_hot_reader"), _differ(Layer.L3_HOT, Layer.L4),
        endpoint_keys=(URL_KEY, LAST_ENTRY_URL_KEY),
    ),
    # Azure Digital Twins holds live values, so the persister pushes them; TwinMaker pulls through
    # the hot reader instead and needs no such bridge.
    BridgeSpec(
        BridgeKind.L2_TO_TWIN_UPDATE, "Persister → ADT updater",
        Layer.L2, Layer.L4, Layer.L2, Layer.L4, ("l2", "l4_twin_update"),
        lambda p: p[Layer.L4] is Provider.AZURE and p[Layer.L2] is not Provider.AZURE,
        setting_prefix=contract.TWIN_UPDATE,  # the persister also sends on L2 → L3 hot
    ),
)
SPECS = {spec.kind: spec for spec in BRIDGES}


@dataclass(frozen=True)
class Bridge:
    """A cross-cloud connection of this twin. The receiver owns the endpoint and token; the sender calls it."""

    spec: BridgeSpec
    sender_cloud: Provider
    receiver_cloud: Provider
    connection_id: str

    @property
    def kind(self) -> BridgeKind:
        return self.spec.kind

    @property
    def label(self) -> str:
        return self.spec.label

    @property
    def sender_layer(self) -> Layer:
        return self.spec.sender

    @property
    def receiver_layer(self) -> Layer:
        return self.spec.receiver

    @property
    def endpoint_keys(self) -> tuple[str, ...]:
        return self.spec.endpoint_keys

    def url_setting(self, key: str = URL_KEY) -> str:
        """The sender's setting that holds the receiver's URL of `key`: REMOTE_URL, REMOTE_LAST_ENTRY_URL, ..."""
        return contract.url_setting(self.spec.setting_prefix, key)

    @property
    def token_setting(self) -> str:
        """The sender's setting that names its copy of the token (a secret name, never the value)."""
        return contract.token_setting(self.spec.setting_prefix)


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


def plan(twin_name: str, providers: Providers) -> Topology:
    """Place every layer and derive the bridges that exist for these providers."""
    bridges = tuple(
        Bridge(spec, providers[spec.sender], providers[spec.receiver], spec.connection_id(providers))
        for spec in BRIDGES
        if spec.exists(providers)
    )
    return Topology(twin_name, providers, bridges)
