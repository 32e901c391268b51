"""plan(): bridges, connection ids, stack names and deploy order for every provider combination.

The expectation is built here from DESIGN §4, independently of the code's own tables.
"""

from __future__ import annotations

import itertools

import pytest

from cdk_app.config.model import Layer, Provider, Providers
from cdk_app.topology import BridgeKind, plan

TWIN = "twin-x"
CLOUDS = ("aws", "azure", "google")
TWIN_CLOUDS = ("aws", "azure")  # L4 and L5 are never on Google
# Every combination the loader can produce: (l1, l2, hot, cold, archive, l4, l5).
COMBINATIONS = list(itertools.product(CLOUDS, CLOUDS, CLOUDS, CLOUDS, CLOUDS, TWIN_CLOUDS, TWIN_CLOUDS))
STACK_SUFFIX = {
    Layer.L1: "l1", Layer.L2: "l2", Layer.L3_HOT: "l3-hot", Layer.L3_COLD: "l3-cold",
    Layer.L3_ARCHIVE: "l3-archive", Layer.L4: "l4", Layer.L5: "l5",
}


def providers_of(combo: tuple[str, ...]) -> Providers:
    return Providers.of({layer: Provider(value) for layer, value in zip(Layer, combo)})


def expected_bridges(combo: tuple[str, ...]) -> set[tuple]:
    """DESIGN §4: (kind, connection id, sender layer, sender cloud, receiver layer, receiver cloud)."""
    l1, l2, hot, cold, arch, l4, _l5 = combo
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
        (hot != l4, BridgeKind.HOT_TO_L4_READER, f"{hot}_l3_to_{l4}_l4_hot_reader", (L.L4, l4), (L.L3_HOT, hot)),
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
    """Run `check(combo, topology)` for every combination; fail once, listing the first failures."""
    failures = []
    for combo in COMBINATIONS:
        try:
            check(combo, plan(TWIN, providers_of(combo)))
        except AssertionError as error:
            failures.append(f"{'/'.join(combo)}: {str(error).splitlines()[0]}")
    assert not failures, f"{len(failures)} of {len(COMBINATIONS)} combinations fail, e.g.:\n" + "\n".join(failures[:5])


def test_there_are_972_combinations():
    assert len(COMBINATIONS) == len(set(COMBINATIONS)) == 3**5 * 2**2 == 972


def test_bridges_exist_exactly_where_neighbours_differ():
    def check(combo, topology):
        assert actual_bridges(topology) == expected_bridges(combo)
        assert len(topology.bridges) == len(expected_bridges(combo))  # no duplicates hidden by the set

    check_all(check)


def test_bridge_sides_sit_on_their_layers_clouds():
    def check(combo, topology):
        for b in topology.bridges:
            assert b.sender_cloud is topology.cloud(b.sender_layer), b
            assert b.receiver_cloud is topology.cloud(b.receiver_layer), b
            assert b.sender_cloud is not b.receiver_cloud, b
            assert topology.bridge(b.kind) is b and topology.has(b.kind)

    check_all(check)


def test_connection_ids_are_unique():
    def check(combo, topology):
        ids = [b.connection_id for b in topology.bridges]
        assert len(ids) == len(set(ids)), ids

    check_all(check)


def test_every_stack_is_named_twin_dash_layer():
    def check(combo, topology):
        for layer in Layer:
            assert topology.stack_name(layer) == f"{TWIN}-{STACK_SUFFIX[layer]}"
            assert topology.cloud(layer) is Provider(combo[list(Layer).index(layer)])

    check_all(check)


def test_deploy_order_puts_every_receiver_before_its_sender():
    def check(combo, topology):
        order = list(topology.deploy_order)
        assert sorted(order) == sorted(Layer), order
        for b in topology.bridges:
            assert order.index(b.receiver_layer) < order.index(b.sender_layer), (
                f"{b.connection_id}: receiver {b.receiver_layer.value} deployed after sender {b.sender_layer.value}"
            )

    check_all(check)


def test_layers_on_and_clouds_partition_the_layers():
    def check(combo, topology):
        placed = [layer for cloud in topology.clouds for layer in topology.layers_on(cloud)]
        assert sorted(placed) == sorted(Layer)
        assert set(topology.clouds) == {Provider(c) for c in combo}

    check_all(check)


def test_sender_and_receiver_lookups_match_the_bridges():
    def check(combo, topology):
        for layer in Layer:
            assert set(topology.bridges_sent_by(layer)) == {b for b in topology.bridges if b.sender_layer is layer}
            received = {b for b in topology.bridges if b.receiver_layer is layer}
            assert set(topology.bridges_received_by(layer)) == received

    check_all(check)


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
          "google_l3_cold_to_aws_l3_archive", "aws_l2_to_azure_l4_twin_update"}),
    ],
    ids=["all-aws", "all-azure", "google-data-aws-twin", "mixed", "azure-twin", "every-hop"],
)
def test_spelled_out_examples(combo, ids):
    assert {b.connection_id for b in plan(TWIN, providers_of(combo)).bridges} == ids


@pytest.mark.parametrize("l4, l5", [(None, None), ("aws", None), ("azure", None)])
@pytest.mark.parametrize("hot", CLOUDS)
def test_layers_left_out_have_no_stack_and_no_bridge(hot, l4, l5):
    mapping = {Layer.L1: Provider.AWS, Layer.L2: Provider.AZURE, Layer.L3_HOT: Provider(hot),
               Layer.L3_COLD: Provider(hot), Layer.L3_ARCHIVE: Provider(hot),
               Layer.L4: Provider(l4) if l4 else None, Layer.L5: None}
    topology = plan(TWIN, Providers.of(mapping))
    left_out = {Layer.L5} | ({Layer.L4} if l4 is None else set())
    assert set(topology.deploy_order) == set(Layer) - left_out
    assert topology.layers == tuple(layer for layer in Layer if layer not in left_out)
    assert not any(b.sender_layer in left_out or b.receiver_layer in left_out for b in topology.bridges)
    if l4 is None:
        assert not topology.has(BridgeKind.HOT_TO_L4_READER) and not topology.has(BridgeKind.L2_TO_TWIN_UPDATE)
    assert all(topology.cloud(layer) is None for layer in left_out)
