"""What both ends of each kind of bridge agree on at run time: the single table of bridge wires.

The topology (twin_model/topology.py, `BRIDGES`) says where a kind exists, which stacks hold its
ends and which function role is at each; this table says what its ends exchange: the connection id's layer segments, the
endpoints the receiver publishes (registry keys), the prefix of the sender's settings, and the
`target_layer` of the telemetry envelopes it carries. The synth and the runtime both read it, so
no row is written twice (docs/design.md §4).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType

from twin_contract.functions import DASHBOARD, DEVICE_FEEDBACK, REMOTE, TWIN_UPDATE
from twin_contract.registry import LAST_ENTRY_URL_KEY, URL_KEY, connection_id
from twin_contract.wire import HOT_STORAGE_LAYER, PROCESSING_LAYER, TWIN_UPDATE_LAYER


class BridgeKind(str, Enum):
    L1_TO_L2 = "l1_to_l2"
    L2_TO_HOT = "l2_to_l3_hot"
    HOT_TO_COLD = "l3_hot_to_l3_cold"
    COLD_TO_ARCHIVE = "l3_cold_to_l3_archive"
    L2_TO_TWIN_UPDATE = "l2_to_l4_twin_update"
    HOT_TO_L4_READER = "l3_to_l4_hot_reader"
    L2_TO_L1_FEEDBACK = "l2_to_l1_feedback"
    HOT_TO_L5_DASHBOARD = "l3_hot_to_l5_dashboard"


@dataclass(frozen=True)
class BridgeWire:
    id_parts: tuple[str, str]  # the connection id's layer segments: <cloud>_<a>_to_<cloud>_<b>
    # The sender's settings are <prefix>_URL (and _LAST_ENTRY_URL) and <prefix>_TOKEN_SECRET.
    setting_prefix: str = REMOTE
    endpoint_keys: tuple[str, ...] = (URL_KEY,)  # URLs the receiver publishes (registry keys)
    envelope_target: str | None = None  # `target_layer` of the telemetry envelopes it carries

    def connection_id(self, source_cloud: str, target_cloud: str) -> str:
        left, right = self.id_parts
        return connection_id(source_cloud, left, target_cloud, right)


READERS = (URL_KEY, LAST_ENTRY_URL_KEY)

WIRES: Mapping[BridgeKind, BridgeWire] = MappingProxyType({
    BridgeKind.L1_TO_L2: BridgeWire(("l1", "l2"), envelope_target=PROCESSING_LAYER),
    BridgeKind.L2_TO_HOT: BridgeWire(("l2", "l3_hot"), envelope_target=HOT_STORAGE_LAYER),
    BridgeKind.HOT_TO_COLD: BridgeWire(("l3_hot", "l3_cold")),
    BridgeKind.COLD_TO_ARCHIVE: BridgeWire(("l3_cold", "l3_archive")),
    BridgeKind.HOT_TO_L4_READER: BridgeWire(("l3", "l4_hot_reader"), endpoint_keys=READERS),
    # The persister also sends on L2 → L3 hot, hence a prefix of its own.
    BridgeKind.L2_TO_TWIN_UPDATE: BridgeWire(
        ("l2", "l4_twin_update"), setting_prefix=TWIN_UPDATE, envelope_target=TWIN_UPDATE_LAYER
    ),
    # An Azure L2's functions share one app's settings, with the REMOTE_* hot bridge among them.
    BridgeKind.L2_TO_L1_FEEDBACK: BridgeWire(("l2", "l1_feedback"), setting_prefix=DEVICE_FEEDBACK),
    # Grafana's data source, not a function's settings.
    BridgeKind.HOT_TO_L5_DASHBOARD: BridgeWire(("l3_hot", "l5_dashboard"), setting_prefix=DASHBOARD, endpoint_keys=READERS),
})

# target_layer of an envelope → the connection id segments of the bridge that carries it.
ENVELOPE_CONNECTIONS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {wire.envelope_target: wire.id_parts for wire in WIRES.values() if wire.envelope_target is not None}
)
