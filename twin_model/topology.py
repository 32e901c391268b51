"""Who goes where: the only place that decides which stacks and bridges exist.

A pure function of the providers and the project's features; stacks and constructs only ask the
topology. Every bridge is one row of BRIDGES (docs/design.md, "Bridges"), its wire one row of
twin_contract/bridges.py; the row names the function role at each end, and each cloud's bridge
ends (cdk_app/stacks/<cloud>/bridge_endpoints.py) bind every bridge of a stack to the function the
stack registered for that role (stacks never name a bridge kind). Every stack is one entry of
DEPLOY_ORDER: a placed layer's own stack, or a part split off a layer so that every receiver is
deployed before its sender (docs/design.md §4, "Deploy order").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from twin_model.config.model import Layer, OptimizationFlags, ProjectConfig, Provider, Providers
from twin_contract import functions as contract
from twin_contract.functions import FunctionRole
from twin_contract.bridges import WIRES, BridgeWire
from twin_contract.bridges import BridgeKind as BridgeKind  # a bridge's kind is part of the contract
from twin_contract.registry import URL_KEY


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
    """Where one kind of cross-cloud connection exists and which stacks hold its ends.

    `source`/`target` are the layers the data leaves and enters (they name the connection id);
    `sender`/`receiver` are the layers whose stacks hold the calling side and the endpoint. They
    differ for the reader bridges, where L4 or L5 calls L3 hot and the data flows back.
    `receiver_part` names the stack split off the receiving layer that holds the endpoint.
    `sender_role`/`receiver_role` are the functions at the ends (twin_contract/functions.py): the
    stacks register their functions by role and the bridge ends bind this bridge to them, so a
    kind between functions the layers already have changes no stack. A receiving role receives
    one bridge in a twin (one token setting); a sending role may send on several (the persister).
    What the ends exchange (id segments, endpoints, setting prefix) is the kind's row of
    twin_contract/bridges.py `WIRES`, which the runtime reads too.
    """

    kind: BridgeKind
    label: str
    source: Layer
    target: Layer
    sender: Layer
    receiver: Layer
    exists: Callable[[Providers, Features], bool]
    sender_role: FunctionRole = field(kw_only=True)
    receiver_role: FunctionRole = field(kw_only=True)
    receiver_part: Part | None = None

    @property
    def sent_by_function(self) -> bool:
        """The sender is one of the twin's functions (runtime/core's sender, whose metric line the
        bridge alarms count); False where a managed service calls the receiver (Grafana)."""
        return bool(self.sender_role.modules)

    @property
    def wire(self) -> BridgeWire:
        return WIRES[self.kind]

    @property
    def endpoint_keys(self) -> tuple[str, ...]:
        return self.wire.endpoint_keys

    def connection_id(self, providers: Providers) -> str:
        return self.wire.connection_id(providers[self.source].value, providers[self.target].value)


def _apart(providers: Providers, a: Layer, b: Layer) -> bool:
    """Both layers placed, on different clouds."""
    return None not in (providers.get(a), providers.get(b)) and providers[a] is not providers[b]


def _differ(a: Layer, b: Layer) -> Callable[[Providers, Features], bool]:
    return lambda providers, features: _apart(providers, a, b)


BRIDGES: tuple[BridgeSpec, ...] = (
    BridgeSpec(
        BridgeKind.L1_TO_L2, "Connector → Ingestion",
        Layer.L1, Layer.L2, Layer.L1, Layer.L2, _differ(Layer.L1, Layer.L2),
        sender_role=contract.CONNECTOR, receiver_role=contract.INGESTION,
    ),
    BridgeSpec(
        BridgeKind.L2_TO_HOT, "Persister → Hot writer",
        Layer.L2, Layer.L3_HOT, Layer.L2, Layer.L3_HOT, _differ(Layer.L2, Layer.L3_HOT),
        sender_role=contract.PERSISTER, receiver_role=contract.HOT_WRITER,
    ),
    BridgeSpec(
        BridgeKind.HOT_TO_COLD, "Hot→cold mover → Cold writer",
        Layer.L3_HOT, Layer.L3_COLD, Layer.L3_HOT, Layer.L3_COLD,
        _differ(Layer.L3_HOT, Layer.L3_COLD),
        sender_role=contract.HOT_TO_COLD, receiver_role=contract.COLD_WRITER,
    ),
    BridgeSpec(
        BridgeKind.COLD_TO_ARCHIVE, "Cold→archive mover → Archive writer",
        Layer.L3_COLD, Layer.L3_ARCHIVE, Layer.L3_COLD, Layer.L3_ARCHIVE,
        _differ(Layer.L3_COLD, Layer.L3_ARCHIVE),
        sender_role=contract.COLD_TO_ARCHIVE, receiver_role=contract.ARCHIVE_WRITER,
    ),
    BridgeSpec(
        BridgeKind.HOT_TO_L4_READER, "DT Data Connector → Hot reader",
        Layer.L3_HOT, Layer.L4, Layer.L4, Layer.L3_HOT, _differ(Layer.L3_HOT, Layer.L4),
        sender_role=contract.DT_DATA_CONNECTOR, receiver_role=contract.HOT_READER,
    ),
    # Azure Digital Twins holds live values, so the persister pushes them; TwinMaker pulls through
    # the hot reader instead and needs no such bridge.
    BridgeSpec(
        BridgeKind.L2_TO_TWIN_UPDATE, "Persister → ADT updater",
        Layer.L2, Layer.L4, Layer.L2, Layer.L4,
        lambda p, f: p.get(Layer.L4) is Provider.AZURE and p.get(Layer.L2) not in (None, Provider.AZURE),
        sender_role=contract.PERSISTER, receiver_role=contract.ADT_UPDATER,
    ),
    # Event feedback goes back to the device through L1's own device service; the receiver is a
    # stack split off L1 (Part.L1_FEEDBACK), deployed before L2 as every receiver before its sender.
    BridgeSpec(
        BridgeKind.L2_TO_L1_FEEDBACK, "Feedback → Feedback receiver",
        Layer.L2, Layer.L1, Layer.L2, Layer.L1,
        lambda p, f: f.device_feedback and _apart(p, Layer.L1, Layer.L2),
        sender_role=contract.FEEDBACK, receiver_role=contract.FEEDBACK_RECEIVER,
        receiver_part=Part.L1_FEEDBACK,
    ),
    # Dashboards not on the twin's cloud have no native data source: Grafana reads the hot store
    # through reader endpoints of its own, wherever L3 hot is (on Grafana's cloud too).
    BridgeSpec(
        BridgeKind.HOT_TO_L5_DASHBOARD, "Grafana → Dashboard readers",
        Layer.L3_HOT, Layer.L5, Layer.L5, Layer.L3_HOT,
        lambda p, f: _apart(p, Layer.L4, Layer.L5),
        sender_role=contract.DASHBOARD_SOURCE, receiver_role=contract.DASHBOARD_READER,
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
    def sender_role(self) -> FunctionRole:
        return self.spec.sender_role

    @property
    def receiver_role(self) -> FunctionRole:
        return self.spec.receiver_role

    @property
    def crosses_clouds(self) -> bool:
        return self.sender_cloud is not self.receiver_cloud

    @property
    def endpoint_keys(self) -> tuple[str, ...]:
        return self.spec.endpoint_keys

    def url_setting(self, key: str = URL_KEY) -> str:
        """The sender's setting that holds the receiver's URL of `key`: REMOTE_URL, REMOTE_LAST_ENTRY_URL, ..."""
        return contract.url_setting(self.spec.wire.setting_prefix, key)

    @property
    def token_setting(self) -> str:
        """The sender's setting that names its copy of the token (a secret name, never the value)."""
        return contract.token_setting(self.spec.wire.setting_prefix)


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

    def required_bridge(self, kind: BridgeKind) -> Bridge:
        """The bridge of `kind`, for a stack that exists only for it (a receiving part)."""
        bridge = self.bridge(kind)
        if bridge is None:
            raise LookupError(f"{self.twin_name} has no {kind.value} bridge")
        return bridge

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
