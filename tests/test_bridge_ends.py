"""The one interface of a bridge's ends (cdk_app/stacks/bridge_rules.py) and the one wire table
(twin_contract/bridges.py), checked in-process: no synth here (the stacks' tests synthesize)."""

from __future__ import annotations

import inspect
from types import SimpleNamespace

import pytest

from cdk_app.stacks.aws.bridge_endpoints import AwsBridgeEndpoints
from cdk_app.stacks.azure.bridge_endpoints import AzureBridgeEndpoints
from cdk_app.stacks.bridge_rules import BridgeEnds, BridgeRules, BridgeWiringError
from cdk_app.stacks.gcp.bridge_endpoints import GcpBridgeEndpoints
from cdk_app.stacks.outputs import BuiltLayers, LayerWiringError
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


@pytest.mark.parametrize("ends", [AwsBridgeEndpoints, AzureBridgeEndpoints, GcpBridgeEndpoints])
@pytest.mark.parametrize("method", ["token_secret", "receive", "send"])
def test_every_cloud_binds_a_bridge_with_the_same_call(ends, method):
    protocol = inspect.signature(getattr(BridgeEnds, method))
    mine = inspect.signature(getattr(ends, method))
    assert list(mine.parameters) == list(protocol.parameters)
    assert [p.default for p in mine.parameters.values()] == [p.default for p in protocol.parameters.values()]


def topology(**clouds: str):
    providers = Providers.of({Layer[name]: Provider(cloud) for name, cloud in clouds.items()})
    return plan("twin-x", providers, Features(device_feedback=True))


MIXED = topology(L1="aws", L2="azure", L3_HOT="google", L3_COLD="google", L3_ARCHIVE="google", L4="aws", L5="azure")


def rules(layer: Layer, part: Part | None = None, upstream: BuiltLayers | None = None) -> BridgeRules:
    # The rules read the stack's layer, part, name and the outputs built before it.
    ctx = SimpleNamespace(
        layer=layer, part=part, stack_name=MIXED.stack_name(layer, part), upstream=upstream or BuiltLayers(), twin="twin-x"
    )
    return BridgeRules(ctx)  # type: ignore[arg-type]


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
