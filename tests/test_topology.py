"""plan(): bridges, connection ids, stack names and deploy order for every provider combination.

The expectation is built here from docs/design.md §4, independently of the code's own tables.
"""

from __future__ import annotations

import itertools

import pytest

from twin_model.config.model import Layer, OptimizationFlags, Provider, Providers
from twin_model.topology import SPECS, BridgeKind, Features, Part, plan

TWIN = "twin-x"
CLOUDS = ("aws", "azure", "google")
TWIN_CLOUDS = ("aws", "azure", "none")  # L4 and L5 are never on Google; "none" leaves them out
# Every combination the loader can produce: (l1, l2, hot, cold, archive, l4, l5); L5 needs an L4.
COMBINATIONS = [
    combo
    for combo in itertools.product(CLOUDS, CLOUDS, CLOUDS, CLOUDS, CLOUDS, TWIN_CLOUDS, TWIN_CLOUDS)
    if not (combo[5] == "none" and combo[6] != "none")
]
FEATURES = (Features(), Features(device_feedback=True))
STACK_SUFFIX = {
    Layer.L1: "l1", Layer.L2: "l2", Layer.L3_HOT: "l3-hot", Layer.L3_COLD: "l3-cold",
    Layer.L3_ARCHIVE: "l3-archive", Layer.L4: "l4", Layer.L5: "l5",
}


def providers_of(combo: tuple[str, ...]) -> Providers:
    return Providers.of({layer: Provider(value) for layer, value in zip(Layer, combo, strict=True) if value != "none"})


def expected_bridges(combo: tuple[str, ...], features: Features | None = None) -> set[tuple]:
    """docs/design.md §4: (kind, connection id, sender layer, sender cloud, receiver layer, receiver cloud)."""
    features = features or Features()
    l1, l2, hot, cold, arch, l4, l5 = combo
    L = Layer
    table = [
        # exists when, kind, connection id, (sender layer, cloud), (receiver layer, cloud)
        (l1 != l2, BridgeKind.L1_TO_L2, f"{l1}_l1_to_{l2}_l2", (L.L1, l1), (L.L2, l2)),
        (l2 != hot, BridgeKind.L2_TO_HOT, f"{l2}_l2_to_{hot}_l3_hot", (L.L2, l2), (L.L3_HOT, hot)),
        (hot != cold, BridgeKind.HOT_TO_COLD, f"{hot}_l3_hot_to_{cold}_l3_cold", (L.L3_HOT, hot), (L.L3_COLD, cold)),
        (cold != arch, BridgeKind.COLD_TO_ARCHIVE, f"{cold}_l3_cold_to_{arch}_l3_archive", (L.L3_COLD, cold),
         (L.L3_ARCHIVE, arch)),
        (l4 == "azure" != l2, BridgeKind.L2_TO_TWIN_UPDATE, f"{l2}_l2_to_azure_l4_twin_update", (L.L2, l2),
         (L.L4, "azure")),
        # The L4 stack's data connector calls the hot reader endpoints in the L3 hot stack.
        (l4 != "none" and hot != l4, BridgeKind.HOT_TO_L4_READER, f"{hot}_l3_to_{l4}_l4_hot_reader", (L.L4, l4),
         (L.L3_HOT, hot)),
        # Event feedback goes back to the device's own cloud (a receiver split off L1).
        (features.device_feedback and l1 != l2, BridgeKind.L2_TO_L1_FEEDBACK, f"{l2}_l2_to_{l1}_l1_feedback",
         (L.L2, l2), (L.L1, l1)),
        # Grafana off the twin's cloud reads the hot store's dashboard readers, wherever hot is.
        ("none" not in (l4, l5) and l5 != l4, BridgeKind.HOT_TO_L5_DASHBOARD, f"{hot}_l3_hot_to_{l5}_l5_dashboard",
         (L.L5, l5), (L.L3_HOT, hot)),
    ]
    return {
        (kind, cid, s_layer, Provider(s_cloud), r_layer, Provider(r_cloud))
        for exists, kind, cid, (s_layer, s_cloud), (r_layer, r_cloud) in table
        if exists
    }


def actual_bridges(topology) -> set[tuple]:
    return {
        (b.kind, b.connection_id, b.sender_layer, b.sender_cloud, b.receiver_layer, b.receiver_cloud)
        for b in topology.bridges
    }


def check_all(check) -> None:
    """Run `check(combo, features, topology)` for every combination and feature set; fail once,
    listing the first failures."""
    failures = []
    for combo, features in itertools.product(COMBINATIONS, FEATURES):
        try:
            check(combo, features, plan(TWIN, providers_of(combo), features))
        except AssertionError as error:
            failures.append(f"{'/'.join(combo)} {features}: {str(error).splitlines()[0]}")
    total = len(COMBINATIONS) * len(FEATURES)
    assert not failures, f"{len(failures)} of {total} topologies fail, e.g.:\n" + "\n".join(failures[:5])


def test_there_are_1701_combinations():
    # 3^5 data-path placements × (L4, L5) ∈ {aws, azure}² ∪ {(aws|azure, none), (none, none)}
    assert len(COMBINATIONS) == len(set(COMBINATIONS)) == 3**5 * (2 * 2 + 2 + 1) == 1701


def test_bridges_exist_exactly_where_the_design_says():
    def check(combo, features, topology):
        assert actual_bridges(topology) == expected_bridges(combo, features)
        assert len(topology.bridges) == len(expected_bridges(combo, features))  # no duplicates hidden by the set

    check_all(check)


def test_bridge_sides_sit_on_their_layers_clouds():
    def check(combo, features, topology):
        for b in topology.bridges:
            assert b.sender_cloud is topology.cloud(b.sender_layer), b
            assert b.receiver_cloud is topology.cloud(b.receiver_layer), b
            if b.kind is BridgeKind.HOT_TO_L5_DASHBOARD:  # Grafana reads the hot store from off the twin's cloud
                assert topology.cloud(Layer.L5) is not topology.cloud(Layer.L4), b
            else:
                assert b.sender_cloud is not b.receiver_cloud, b
            assert topology.bridge(b.kind) is b and topology.has(b.kind)

    check_all(check)


def test_every_bridge_but_grafanas_reads_is_sent_by_a_function():
    """The bridge alarms count the functions' sender lines (README, Alarms); Grafana sends none."""
    sent_by_grafana = {BridgeKind.HOT_TO_L5_DASHBOARD}
    for kind in BridgeKind:
        assert SPECS[kind].sent_by_function is (kind not in sent_by_grafana), kind


def test_connection_ids_are_unique():
    def check(combo, features, topology):
        ids = [b.connection_id for b in topology.bridges]
        assert len(ids) == len(set(ids)), ids

    check_all(check)


def test_every_placed_layer_is_one_stack_named_twin_dash_layer():
    def check(combo, features, topology):
        for layer, cloud in zip(Layer, combo, strict=True):
            assert topology.placed(layer) is (cloud != "none")
            if cloud != "none":
                assert topology.stack_name(layer) == f"{TWIN}-{STACK_SUFFIX[layer]}"
                assert topology.cloud(layer) is Provider(cloud)
                assert topology.stack(layer).cloud is Provider(cloud)
            else:
                assert topology.stack(layer) is None

    check_all(check)


def test_the_feedback_receiver_is_a_stack_of_its_own_on_l1s_cloud_exactly_with_its_bridge():
    def check(combo, features, topology):
        part = topology.stack(Layer.L1, Part.L1_FEEDBACK)
        assert (part is not None) is topology.has(BridgeKind.L2_TO_L1_FEEDBACK)
        if part is not None:
            assert part.name == f"{TWIN}-l1-feedback" and part.cloud is Provider(combo[0])
            bridge = topology.bridge(BridgeKind.L2_TO_L1_FEEDBACK)
            assert topology.receiver_stack(bridge) is part

    check_all(check)


def test_deploy_order_puts_every_receiver_before_its_sender():
    def check(combo, features, topology):
        names = [stack.name for stack in topology.stacks]
        placed = {f"{TWIN}-{STACK_SUFFIX[layer]}" for layer, cloud in zip(Layer, combo, strict=True) if cloud != "none"}
        parts = {f"{TWIN}-l1-feedback"} if features.device_feedback and combo[0] != combo[1] else set()
        assert sorted(names) == sorted(placed | parts), names
        for b in topology.bridges:
            receiver, sender = topology.receiver_stack(b).name, topology.sender_stack(b).name
            assert names.index(receiver) < names.index(sender), (
                f"{b.connection_id}: receiver {receiver} deployed after sender {sender}"
            )

    check_all(check)


def test_layers_on_and_clouds_partition_the_placed_layers():
    def check(combo, features, topology):
        placed = [layer for cloud in topology.clouds for layer in topology.layers_on(cloud)]
        assert sorted(placed) == sorted(layer for layer, cloud in zip(Layer, combo, strict=True) if cloud != "none")
        assert set(topology.clouds) == {Provider(c) for c in combo if c != "none"}

    check_all(check)


def test_sender_and_receiver_lookups_match_the_bridges():
    def check(combo, features, topology):
        for layer in Layer:
            assert set(topology.bridges_sent_by(layer)) == {b for b in topology.bridges if b.sender_layer is layer}
            received = {b for b in topology.bridges if b.receiver_layer is layer and b.receiver_part is None}
            assert set(topology.bridges_received_by(layer)) == received

    check_all(check)


def test_an_unplaced_layer_has_no_cloud():
    topology = plan(TWIN, providers_of(("aws",) * 5 + ("none", "none")), Features())
    with pytest.raises(KeyError, match="L4 digital twin is not placed"):
        topology.cloud(Layer.L4)


def test_l1_to_l3_must_be_placed():
    with pytest.raises(ValueError, match="layer_3_cold_provider"):
        Providers.of({Layer.L1: Provider.AWS, Layer.L2: Provider.AWS, Layer.L3_HOT: Provider.AWS,
                      Layer.L3_ARCHIVE: Provider.AWS})


@pytest.mark.parametrize(
    "flags, expected",
    [
        (OptimizationFlags(), False),
        (OptimizationFlags(return_feedback_to_device=True), False),  # no event rules, nothing to return
        (OptimizationFlags(use_event_checking=True), False),
        (OptimizationFlags(use_event_checking=True, return_feedback_to_device=True), True),
    ],
)
def test_device_feedback_needs_event_checking(flags, expected):
    assert Features.of(flags).device_feedback is expected


# A few combinations spelled out in full, as readable anchors for the exhaustive tests above.
@pytest.mark.parametrize(
    "combo, ids",
    [
        (("aws",) * 7, set()),
        (("azure",) * 7, set()),
        (("google",) * 5 + ("aws", "aws"), {"google_l3_to_aws_l4_hot_reader"}),
        (("aws", "azure", "google", "google", "azure", "aws", "aws"),
         {"aws_l1_to_azure_l2", "azure_l2_to_google_l3_hot", "google_l3_cold_to_azure_l3_archive",
          "google_l3_to_aws_l4_hot_reader"}),
        (("aws", "aws", "aws", "aws", "aws", "azure", "azure"),
         {"aws_l2_to_azure_l4_twin_update", "aws_l3_to_azure_l4_hot_reader"}),
        (("google", "aws", "azure", "google", "aws", "azure", "aws"),
         {"google_l1_to_aws_l2", "aws_l2_to_azure_l3_hot", "azure_l3_hot_to_google_l3_cold",
          "google_l3_cold_to_aws_l3_archive", "aws_l2_to_azure_l4_twin_update", "azure_l3_hot_to_aws_l5_dashboard"}),
        (("google",) * 5 + ("none", "none"), set()),
        (("google",) * 5 + ("aws", "azure"),
         {"google_l3_to_aws_l4_hot_reader", "google_l3_hot_to_azure_l5_dashboard"}),
        (("aws",) * 5 + ("azure", "aws"),
         {"aws_l2_to_azure_l4_twin_update", "aws_l3_to_azure_l4_hot_reader", "aws_l3_hot_to_aws_l5_dashboard"}),
    ],
    ids=["all-aws", "all-azure", "google-data-aws-twin", "mixed", "azure-twin", "every-hop", "google-no-twin",
         "dashboards-off-the-twin", "dashboards-on-the-hot-cloud"],
)
def test_spelled_out_examples(combo, ids):
    assert {b.connection_id for b in plan(TWIN, providers_of(combo), Features()).bridges} == ids


@pytest.mark.parametrize(
    "combo, ids, order",
    [
        (("azure", "aws", "aws", "aws", "aws", "aws", "aws"), {"azure_l1_to_aws_l2", "aws_l2_to_azure_l1_feedback"},
         ["l3-archive", "l3-cold", "l3-hot", "l4", "l1-feedback", "l2", "l1", "l5"]),
        (("google", "azure", "azure", "azure", "azure", "none", "none"),
         {"google_l1_to_azure_l2", "azure_l2_to_google_l1_feedback"},
         ["l3-archive", "l3-cold", "l3-hot", "l1-feedback", "l2", "l1"]),
        (("aws",) * 7, set(), ["l3-archive", "l3-cold", "l3-hot", "l4", "l2", "l1", "l5"]),
    ],
    ids=["azure-devices-aws-processing", "google-devices-no-twin", "single-cloud-needs-no-receiver"],
)
def test_spelled_out_feedback_examples(combo, ids, order):
    topology = plan(TWIN, providers_of(combo), Features(device_feedback=True))
    assert {b.connection_id for b in topology.bridges} == ids
    assert [stack.name for stack in topology.stacks] == [f"{TWIN}-{suffix}" for suffix in order]
