"""Who goes where: the only place that decides which stacks and bridges exist.

A pure function of the providers and the project's features; stacks and constructs only ask the
topology. Every bridge is one row of BRIDGES (docs/design.md, "Bridges"): adding a bridge is a row
here, the receiving and sending code in the two layer stacks, and the runtime function on each
side. Every stack is one entry of DEPLOY_ORDER: a placed layer's own stack, or a part split off a
layer so that every receiver is deployed before its sender (docs/design.md §4, "Deploy order").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from twin_model.config.model import Layer, OptimizationFlags, ProjectConfig, Provider, Providers
from twin_contract import functions as contract
from twin_contract.registry import LAST_ENTRY_URL_KEY, URL_KEY, connection_id


class BridgeKind(str, Enum):
    L1_TO_L2 = "l1_to_l2"
    L2_TO_HOT = "l2_to_l3_hot"
    HOT_TO_COLD = "l3_hot_to_l3_cold"
    COLD_TO_ARCHIVE = "l3_cold_to_l3_archive"
    L2_TO_TWIN_UPDATE = "l2_to_l4_twin_update"
    HOT_TO_L4_READER = "l3_to_l4_hot_reader"
    L2_TO_L1_FEEDBACK = "l2_to_l1_feedback"
    HOT_TO_L5_DASHBOARD = "l3_hot_to_l5_dashboard"


class Part(str, Enum):
    """A stack split off a layer, valued by its stack-name suffix.

    L1 sends telemetry to L2, and with device feedback across clouds L2 sends to L1: one stack per
    layer would make a cycle. The feedback receiver of L1 is its own stack on L1's cloud, deployed
    before L2; the L1 stack (after L2) grants it what it needs on L1's device service.
    """

    L1_FEEDBACK = "l1-feedback"

    @property
    def layer(self) -> Layer:
        return _PART_INFO[self][0]

    @property
    def title(self) -> str:  # type: ignore[override]  # str.title() is never used on a Part (as on Layer)
        return _PART_INFO[self][1]

    @property
    def code(self) -> str:
        """Short code for names with tight length limits (like Layer.code)."""
        return _PART_INFO[self][2]


# part → (layer it belongs to, title, short code)
_PART_INFO = {Part.L1_FEEDBACK: (Layer.L1, "L1 device feedback", "l1f")}


@dataclass(frozen=True)
class Features:
    """The project's choices that add connections; the providers decide the rest."""

    device_feedback: bool = False  # event rules return feedback to devices

    @classmethod
    def of(cls, flags: OptimizationFlags) -> "Features":
        # Feedback comes from event rules: without event checking there is none to return.
        return cls(device_feedback=flags.use_event_checking and flags.return_feedback_to_device)


@dataclass(frozen=True)
class BridgeSpec:
    """One kind of cross-cloud connection.

    `source`/`target` are the layers the data leaves and enters (they name the connection id);
    `sender`/`receiver` are the layers whose stacks hold the calling side and the endpoint. They
    differ for the reader bridges, where L4 or L5 calls L3 hot and the data flows back.
    `receiver_part` names the stack split off the receiving layer that holds the endpoint.
    """

    kind: BridgeKind
    label: str
    source: Layer
    target: Layer
    sender: Layer
    receiver: Layer
    id_parts: tuple[str, str]  # the connection id's layer segments: <cloud>_<a>_to_<cloud>_<b>
    exists: Callable[[Providers, Features], bool]
    endpoint_keys: tuple[str, ...] = (URL_KEY,)  # URLs the receiver publishes (registry keys)
    # The sender's settings are <prefix>_URL (and _LAST_ENTRY_URL) and <prefix>_TOKEN_SECRET.
    setting_prefix: str = contract.REMOTE
    receiver_part: Part | None = None
    # The sender is one of the twin's functions (runtime/core's sender, whose metric line the
    # bridge alarms count); False where a managed service calls the receiver (Grafana).
    sent_by_function: bool = True

    def connection_id(self, providers: Providers) -> str:
        left, right = self.id_parts
        return connection_id(providers[self.source].value, left, providers[self.target].value, right)


def _apart(providers: Providers, a: Layer, b: Layer) -> bool:
    """Both layers placed, on different clouds."""
    return None not in (providers.get(a), providers.get(b)) and providers[a] is not providers[b]


def _differ(a: Layer, b: Layer) -> Callable[[Providers, Features], bool]:
    return lambda providers, features: _apart(providers, a, b)


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
        lambda p, f: p.get(Layer.L4) is Provider.AZURE and p.get(Layer.L2) not in (None, Provider.AZURE),
        setting_prefix=contract.TWIN_UPDATE,  # the persister also sends on L2 → L3 hot
    ),
    # Event feedback goes back to the device through L1's own device service; the receiver is a
    # stack split off L1 (Part.L1_FEEDBACK), deployed before L2 as every receiver before its sender.
    BridgeSpec(
        BridgeKind.L2_TO_L1_FEEDBACK, "Feedback → Feedback receiver",
        Layer.L2, Layer.L1, Layer.L2, Layer.L1, ("l2", "l1_feedback"),
        lambda p, f: f.device_feedback and _apart(p, Layer.L1, Layer.L2),
        setting_prefix=contract.DEVICE_FEEDBACK,  # L2's function app (Azure) also holds the REMOTE_* hot bridge
        receiver_part=Part.L1_FEEDBACK,
    ),
    # Dashboards not on the twin's cloud have no native data source: Grafana reads the hot store
    # through reader endpoints of its own, wherever L3 hot is (on Grafana's cloud too).
    BridgeSpec(
        BridgeKind.HOT_TO_L5_DASHBOARD, "Grafana → Dashboard readers",
        Layer.L3_HOT, Layer.L5, Layer.L5, Layer.L3_HOT, ("l3_hot", "l5_dashboard"),
        lambda p, f: _apart(p, Layer.L4, Layer.L5),
        endpoint_keys=(URL_KEY, LAST_ENTRY_URL_KEY),
        setting_prefix=contract.DASHBOARD,  # Grafana's data source, not a function's settings
        sent_by_function=False,
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
    def receiver_part(self) -> Part | None:
        return self.spec.receiver_part

    @property
    def sent_by_function(self) -> bool:
        return self.spec.sent_by_function

    @property
    def crosses_clouds(self) -> bool:
        return self.sender_cloud is not self.receiver_cloud

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
# persister's twin updates (L2 → L4 bridge), so it must exist before L2. The L1 feedback receiver
# is split off L1 (Part.L1_FEEDBACK) so that it, too, exists before L2 sends to it.
DEPLOY_ORDER: tuple[Layer | Part, ...] = (
    Layer.L3_ARCHIVE, Layer.L3_COLD, Layer.L3_HOT, Layer.L4, Part.L1_FEEDBACK, Layer.L2, Layer.L1, Layer.L5,
)


@dataclass(frozen=True)
class TwinStack:
    """One deployable stack of the twin: a placed layer's own stack, or a part split off it."""

    layer: Layer  # the layer it belongs to; the stack is on that layer's cloud
    part: Part | None
    cloud: Provider
    name: str  # <twin>-<suffix>

    @property
    def suffix(self) -> str:
        return self.part.value if self.part else self.layer.value

    @property
    def title(self) -> str:
        return self.part.title if self.part else self.layer.title

    @property
    def code(self) -> str:
        return self.part.code if self.part else self.layer.code


@dataclass(frozen=True)
class Topology:
    twin_name: str
    providers: Providers
    bridges: tuple[Bridge, ...]
    stacks: tuple[TwinStack, ...]  # in deploy order: receivers before senders

    def cloud(self, layer: Layer) -> Provider:
        """The layer's cloud; LayerNotPlaced for an optional layer set to "none"."""
        return self.providers[layer]

    def placed(self, layer: Layer) -> bool:
        return self.providers.get(layer) is not None

    def stack_name(self, layer: Layer, part: Part | None = None) -> str:
        return f"{self.twin_name}-{part.value if part else layer.value}"

    def stack(self, layer: Layer, part: Part | None = None) -> TwinStack | None:
        return next((s for s in self.stacks if s.layer is layer and s.part is part), None)

    def receiver_stack(self, bridge: Bridge) -> TwinStack:
        return self._required_stack(bridge.receiver_layer, bridge.receiver_part)

    def sender_stack(self, bridge: Bridge) -> TwinStack:
        return self._required_stack(bridge.sender_layer, None)

    def layers_on(self, cloud: Provider) -> tuple[Layer, ...]:
        return tuple(layer for layer in self.providers.placed if self.cloud(layer) is cloud)

    @property
    def layers(self) -> tuple[Layer, ...]:
        """The placed layers, in Layer order."""
        return self.providers.placed

    @property
    def clouds(self) -> tuple[Provider, ...]:
        return tuple(p for p in Provider if self.layers_on(p))

    def bridge(self, kind: BridgeKind) -> Bridge | None:
        return next((b for b in self.bridges if b.kind is kind), None)

    def has(self, kind: BridgeKind) -> bool:
        return self.bridge(kind) is not None

    def bridges_sent_by(self, layer: Layer) -> tuple[Bridge, ...]:
        return tuple(b for b in self.bridges if b.sender_layer is layer)

    def bridges_received_by(self, layer: Layer, part: Part | None = None) -> tuple[Bridge, ...]:
        return tuple(b for b in self.bridges if b.receiver_layer is layer and b.receiver_part is part)

    def _required_stack(self, layer: Layer, part: Part | None) -> TwinStack:
        stack = self.stack(layer, part)
        if stack is None:
            raise LookupError(f"{self.stack_name(layer, part)} is not a stack of this twin")
        return stack


def plan(twin_name: str, providers: Providers, features: Features) -> Topology:
    """Place every layer, derive the bridges that exist, and order the stacks. `features` is
    required: a project's features add connections (plan_project reads them from the config)."""
    bridges = tuple(
        Bridge(spec, providers[spec.sender], providers[spec.receiver], spec.connection_id(providers))
        for spec in BRIDGES
        if spec.exists(providers, features)
    )
    parts = {bridge.receiver_part for bridge in bridges} - {None}
    stacks = []
    for entry in DEPLOY_ORDER:
        layer, part = (entry.layer, entry) if isinstance(entry, Part) else (entry, None)
        if providers.get(layer) is not None and (part is None or part in parts):
            stacks.append(TwinStack(layer, part, providers[layer], f"{twin_name}-{part.value if part else layer.value}"))
    return Topology(twin_name, providers, bridges, tuple(stacks))


def plan_project(config: ProjectConfig) -> Topology:
    """The topology of a loaded project: its name, providers and features."""
    return plan(config.name, config.providers, Features.of(config.flags))
