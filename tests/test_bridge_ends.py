"""The one interface of a bridge's ends (cdk_app/stacks/bridge_rules.py) and the one wire table
(twin_contract/bridges.py), checked in-process: no synth here (the stacks' tests synthesize)."""

from __future__ import annotations

import importlib
import inspect
from types import SimpleNamespace

import pytest

from cdk_app.stacks.bridge_rules import BridgeEnds, BridgeRules, BridgeWiringError
from cdk_app.stacks.outputs import BuiltLayers, LayerWiringError
from twin_contract import functions as contract
from twin_contract.bridges import ENVELOPE_CONNECTIONS, WIRES
from twin_model.config.model import Layer, Provider, Providers
from twin_model.topology import BRIDGES, BridgeKind, Features, Part, plan

# docs/design.md §4 and §5: the envelopes' target layers and the connections that carry them.
EXPECTED_ENVELOPE_CONNECTIONS = {"L2": ("l1", "l2"), "L3_hot": ("l2", "l3_hot"), "L4": ("l2", "l4_twin_update")}


def test_every_kind_has_one_wire_and_one_placement():
    assert set(WIRES) == set(BridgeKind)
    assert sorted(spec.kind for spec in BRIDGES) == sorted(BridgeKind)


def test_the_envelope_connections_derive_from_the_wire_table():
    assert dict(ENVELOPE_CONNECTIONS) == EXPECTED_ENVELOPE_CONNECTIONS


# Each cloud's ends by name, imported by the test: collecting this module in every worker would
# otherwise load the Google provider's jsii assembly (~3 CPU-s) in workers that never synthesize.
CLOUD_ENDS = {
    "aws": "cdk_app.stacks.aws.bridge_endpoints.AwsBridgeEndpoints",
    "azure": "cdk_app.stacks.azure.bridge_endpoints.AzureBridgeEndpoints",
    "gcp": "cdk_app.stacks.gcp.bridge_endpoints.GcpBridgeEndpoints",
}


@pytest.mark.parametrize("cloud", sorted(CLOUD_ENDS))
@pytest.mark.parametrize("method", ["token_secret", "receive", "send"])
def test_every_cloud_binds_a_bridge_with_the_same_call(cloud, method):
    module, name = CLOUD_ENDS[cloud].rsplit(".", 1)
    ends = getattr(importlib.import_module(module), name)
    protocol = inspect.signature(getattr(BridgeEnds, method))
    mine = inspect.signature(getattr(ends, method))
    assert list(mine.parameters) == list(protocol.parameters)
    assert [p.default for p in mine.parameters.values()] == [p.default for p in protocol.parameters.values()]


def topology(**clouds: str):
    providers = Providers.of({Layer[name]: Provider(cloud) for name, cloud in clouds.items()})
    return plan("twin-x", providers, Features(device_feedback=True))


MIXED = topology(L1="aws", L2="azure", L3_HOT="google", L3_COLD="google", L3_ARCHIVE="google", L4="aws", L5="azure")


def context(layer: Layer, part: Part | None, upstream: BuiltLayers | None, twin=MIXED) -> SimpleNamespace:
    # The rules read the stack's layer, part, name, the twin's topology and the outputs built before it.
    return SimpleNamespace(
        layer=layer, part=part, stack_name=twin.stack_name(layer, part), upstream=upstream or BuiltLayers(),
        twin="twin-x", topology=twin,
    )


def rules(layer: Layer, part: Part | None = None, upstream: BuiltLayers | None = None) -> BridgeRules:
    return BridgeRules(context(layer, part, upstream))  # type: ignore[arg-type]


class RecordingEnds(BridgeRules):
    """A cloud's three calls reduced to the shared checks and a record of what they bound."""

    def __init__(self, layer: Layer, part: Part | None = None, twin=MIXED) -> None:
        super().__init__(context(layer, part, None, twin))  # type: ignore[arg-type]
        self.calls: list[tuple[str, str, object]] = []

    def token_secret(self, bridge):
        self.check_receiver(bridge)
        return f"secret-of-{bridge.connection_id}"

    def receive(self, bridge, endpoints, scope=None):
        self.check_receiving(bridge, endpoints)
        self.calls.append(("receive", bridge.connection_id, dict(endpoints)))

    def send(self, bridge, caller, url_key=None):
        self.calls.append(("send", bridge.connection_id, self.check_sending(bridge, url_key)))


def test_a_bridge_is_received_only_on_its_receivers_stack():
    to_hot = MIXED.required_bridge(BridgeKind.L2_TO_HOT)
    rules(Layer.L3_HOT).check_receiving(to_hot, ("url",))
    with pytest.raises(BridgeWiringError, match="twin-x-l2 cannot receive azure_l2_to_google_l3_hot"):
        rules(Layer.L2).check_receiver(to_hot)
    feedback = MIXED.required_bridge(BridgeKind.L2_TO_L1_FEEDBACK)
    rules(Layer.L1, Part.L1_FEEDBACK).check_receiver(feedback)
    with pytest.raises(BridgeWiringError, match="its receiver is L1 device feedback"):
        rules(Layer.L1).check_receiver(feedback)


def test_a_receiver_must_bind_every_endpoint_its_wire_names():
    readers = MIXED.required_bridge(BridgeKind.HOT_TO_L4_READER)
    with pytest.raises(BridgeWiringError, match="needs endpoints for last-entry-url"):
        rules(Layer.L3_HOT).check_receiving(readers, ("url",))


def test_a_bridge_is_sent_only_from_its_senders_stack_and_only_to_its_endpoints():
    readers = MIXED.required_bridge(BridgeKind.HOT_TO_L4_READER)
    assert rules(Layer.L4).check_sending(readers) == ("url", "last-entry-url")
    assert rules(Layer.L4).check_sending(readers, "last-entry-url") == ("last-entry-url",)
    with pytest.raises(BridgeWiringError, match="has no archive endpoint"):
        rules(Layer.L4).check_sending(readers, "archive")
    with pytest.raises(BridgeWiringError, match="twin-x-l3-hot cannot send on"):
        rules(Layer.L3_HOT).check_sending(readers)


def test_settings_name_every_endpoint_or_the_one_a_function_calls():
    readers = MIXED.required_bridge(BridgeKind.HOT_TO_L4_READER)
    urls = {"url": "https://range", "last-entry-url": "https://latest"}
    assert BridgeRules.url_settings(readers, urls, ("url", "last-entry-url")) == {
        "REMOTE_URL": "https://range", "REMOTE_LAST_ENTRY_URL": "https://latest",
    }
    assert BridgeRules.url_settings(readers, urls, ("last-entry-url",)) == {"REMOTE_URL": "https://latest"}
    feedback = MIXED.required_bridge(BridgeKind.L2_TO_L1_FEEDBACK)
    assert BridgeRules.url_settings(feedback, {"url": "https://f"}, ("url",)) == {"DEVICE_FEEDBACK_URL": "https://f"}
    assert feedback.token_setting == "DEVICE_FEEDBACK_TOKEN_SECRET"


def test_a_sender_whose_receiver_published_nothing_stops_the_synth():
    to_hot = MIXED.required_bridge(BridgeKind.L2_TO_HOT)
    with pytest.raises(LayerWiringError, match="sends on azure_l2_to_google_l3_hot, but L3 hot storage published no endpoint"):
        rules(Layer.L2).published_endpoint(to_hot)


def test_the_registry_carries_a_bridge_exactly_when_aws_is_one_side():
    uses = {bridge.kind: BridgeRules.uses_registry(bridge) for bridge in MIXED.bridges}
    assert uses == {
        BridgeKind.L1_TO_L2: True,  # aws → azure
        BridgeKind.L2_TO_HOT: False,  # azure → google
        BridgeKind.HOT_TO_L4_READER: True,  # google → aws
        BridgeKind.L2_TO_L1_FEEDBACK: True,  # azure → aws
        BridgeKind.HOT_TO_L5_DASHBOARD: False,  # google → azure
    }


# docs/design.md §4: the function at each end of every kind (a managed service's for Grafana).
EXPECTED_ENDS = {
    BridgeKind.L1_TO_L2: ("connector", "ingestion"),
    BridgeKind.L2_TO_HOT: ("persister", "hot_writer"),
    BridgeKind.HOT_TO_COLD: ("hot_to_cold", "cold_writer"),
    BridgeKind.COLD_TO_ARCHIVE: ("cold_to_archive", "archive_writer"),
    BridgeKind.HOT_TO_L4_READER: ("dt_data_connector", "hot_reader"),
    BridgeKind.L2_TO_TWIN_UPDATE: ("persister", "adt_updater"),
    BridgeKind.L2_TO_L1_FEEDBACK: ("feedback", "feedback_receiver"),
    BridgeKind.HOT_TO_L5_DASHBOARD: ("dashboard_source", "dashboard_reader"),
}


def test_every_kind_names_the_function_role_at_each_end():
    assert {spec.kind: (spec.sender_role.name, spec.receiver_role.name) for spec in BRIDGES} == EXPECTED_ENDS


def test_a_role_is_an_end_on_one_layer_only():
    """A stack registers its functions by role: a role on two layers would bind in the wrong stack."""
    layers: dict[str, set[tuple[Layer, Part | None]]] = {}
    for spec in BRIDGES:
        layers.setdefault(spec.sender_role.name, set()).add((spec.sender, None))
        layers.setdefault(spec.receiver_role.name, set()).add((spec.receiver, spec.receiver_part))
    assert {role: places for role, places in layers.items() if len(places) > 1} == {}


def test_a_function_receives_one_bridge_at_most_in_every_twin():
    """One token setting per receiving function: no twin may give a receiving role two bridges."""
    from tests.test_topology import COMBINATIONS, FEATURES, providers_of

    for combo in COMBINATIONS:
        for features in FEATURES:
            bridges = plan("twin-x", providers_of(combo), features).bridges
            roles = [b.receiver_role.name for b in bridges]
            assert len(roles) == len(set(roles)), (combo, features, roles)


def test_a_stack_finds_the_bridges_of_its_roles():
    l2, hot = rules(Layer.L2), rules(Layer.L3_HOT)
    assert [b.kind for b in l2.outbound(contract.PERSISTER)] == [BridgeKind.L2_TO_HOT]  # L4 on AWS: no twin updates
    assert [b.kind for b in l2.outbound(contract.FEEDBACK)] == [BridgeKind.L2_TO_L1_FEEDBACK]
    assert l2.inbound(contract.INGESTION) is MIXED.bridge(BridgeKind.L1_TO_L2)
    assert l2.inbound(contract.HOT_WRITER) is None and l2.outbound(contract.HOT_TO_COLD) == ()  # not L2's functions
    assert hot.inbound(contract.HOT_READER) is MIXED.bridge(BridgeKind.HOT_TO_L4_READER)
    assert hot.inbound(contract.DASHBOARD_READER) is MIXED.bridge(BridgeKind.HOT_TO_L5_DASHBOARD)
    assert hot.inbound(contract.HOT_WRITER) is MIXED.bridge(BridgeKind.L2_TO_HOT)
    # The feedback receiver is the part's, not the L1 stack's.
    assert rules(Layer.L1).inbound(contract.FEEDBACK_RECEIVER) is None
    assert rules(Layer.L1, Part.L1_FEEDBACK).inbound(contract.FEEDBACK_RECEIVER) is MIXED.bridge(BridgeKind.L2_TO_L1_FEEDBACK)
    # A tier is reached over a bridge exactly when one from this stack enters it.
    assert (l2.reaches(Layer.L3_HOT), l2.reaches(Layer.L1), l2.reaches(Layer.L4)) == (True, True, False)
    assert (hot.reaches(Layer.L3_COLD), rules(Layer.L4).reaches(Layer.L3_HOT)) == (False, True)


def test_a_sending_role_binds_every_bridge_it_sends_on():
    twin = topology(L1="aws", L2="aws", L3_HOT="google", L3_COLD="google", L3_ARCHIVE="google", L4="azure", L5="azure")
    ends = RecordingEnds(Layer.L2, twin=twin)
    settings: dict[str, str] = {}
    bound = ends.bind_sender(contract.PERSISTER, settings)
    assert [b.kind for b in bound] == [BridgeKind.L2_TO_HOT, BridgeKind.L2_TO_TWIN_UPDATE]
    assert ends.calls == [
        ("send", "aws_l2_to_google_l3_hot", ("url",)),
        ("send", "aws_l2_to_azure_l4_twin_update", ("url",)),
    ]
    ends.check_bound()  # the persister is L2's only sender here (no feedback across: L1 shares L2's cloud)


def test_a_receiving_role_gets_its_token_and_binds_its_endpoints():
    ends = RecordingEnds(Layer.L3_HOT)
    assert ends.inbound_token(contract.HOT_WRITER) == "secret-of-azure_l2_to_google_l3_hot"
    ends.bind_receiver(contract.HOT_WRITER, {"url": "https://writer"})
    assert ends.bind_receiver(contract.ARCHIVE_WRITER, {"url": "https://nothing"}) is None  # no bridge: nothing bound
    assert ends.calls == [("receive", "azure_l2_to_google_l3_hot", {"url": "https://writer"})]
    with pytest.raises(BridgeWiringError, match="the archive_writer function receives no bridge here"):
        ends.inbound_token(contract.ARCHIVE_WRITER)


def test_a_bridge_with_an_end_no_function_was_bound_to_stops_the_synth():
    ends = RecordingEnds(Layer.L3_HOT)
    ends.bind_receiver(contract.HOT_WRITER, {"url": "https://writer"})
    ends.bind_receiver(contract.HOT_READER, {"url": "https://range", "last-entry-url": "https://latest"})
    with pytest.raises(BridgeWiringError, match="nothing received google_l3_hot_to_azure_l5_dashboard: no dashboard_reader"):
        ends.check_bound()
    ends.bind_receiver(contract.DASHBOARD_READER, {"url": "https://d", "last-entry-url": "https://dl"})
    ends.check_bound()
    sender = RecordingEnds(Layer.L2)
    sender.bind_sender(contract.PERSISTER, {})
    sender.bind_receiver(contract.INGESTION, {"url": "https://ingestion"})
    with pytest.raises(BridgeWiringError, match="nothing sends on azure_l2_to_aws_l1_feedback: no feedback"):
        sender.check_bound()


@pytest.mark.parametrize("stack", ["cdk_app.stacks.aws.base:AwsLayerStack", "cdk_app.stacks.azure.base:AzureLayerStack",
                                   "cdk_app.stacks.gcp.base:GcpLayerStack"])
def test_every_cloud_checks_its_bridges_were_bound_when_a_stack_completes(stack):
    """The builders call `complete()` once per stack (cdk_app/stacks/aws/__init__.py, terraform/__init__.py)."""
    import importlib

    module, name = stack.split(":")
    source = inspect.getsource(getattr(importlib.import_module(module), name).complete)
    assert "self.bridges.check_bound()" in source
