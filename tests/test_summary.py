"""render_table and render_mermaid on planned topologies (pure: no synth)."""

from __future__ import annotations

import json

import re

import pytest

from twin_model.config.model import Layer, Provider, Providers
from cdk_app.summary import StackSummary, render_mermaid, render_table
from twin_model.topology import Features, plan

TWIN = "demo"
ALL_AWS = ("aws",) * 7
# l1 aws, l2 azure, hot google, cold google, archive azure, l4 aws, l5 aws
MIXED = ("aws", "azure", "google", "google", "azure", "aws", "aws")
MIXED_BRIDGES = {
    # connection id: (sender node, receiver node)
    "aws_l1_to_azure_l2": ("l1", "l2"),
    "azure_l2_to_google_l3_hot": ("l2", "l3_hot"),
    "google_l3_cold_to_azure_l3_archive": ("l3_cold", "l3_archive"),
    "google_l3_to_aws_l4_hot_reader": ("l4", "l3_hot"),
}
TITLES = {"aws": "AWS", "azure": "Azure", "google": "Google Cloud"}


def topology(combo):
    return plan(TWIN, Providers.of({layer: Provider(value) for layer, value in zip(Layer, combo, strict=True)}), Features())


def rows(topo):
    return [StackSummary(stack.name, stack.cloud, 3 + i, f"out/{stack.name}.json") for i, stack in enumerate(topo.stacks)]


def subgraphs(diagram: str) -> dict[str, tuple[str, set[str]]]:
    """cloud id -> (title, node ids declared inside its subgraph)."""
    found, current = {}, None
    for line in diagram.splitlines():
        if m := re.fullmatch(r'\s*subgraph (\w+)\["([^"]+)"\]', line):
            current = m.group(1)
            found[current] = (m.group(2), set())
        elif line.strip() == "end":
            current = None
        elif current and (m := re.fullmatch(r'\s*(\w+)\[".*"\]', line)):
            found[current][1].add(m.group(1))
    return found


def edges(diagram: str) -> tuple[set[tuple[str, str]], dict[str, tuple[str, str]]]:
    """(solid edges as (a, b), dotted labelled edges as label -> (a, b))."""
    solid = {tuple(m.groups()) for m in re.finditer(r"^\s*(\w+) --> (\w+)$", diagram, re.M)}
    dotted_edge = re.compile(r'^\s*(\w+) -\. "([^"]+)" \.-> (\w+)$', re.M)
    dotted = {m.group(2): (m.group(1), m.group(3)) for m in dotted_edge.finditer(diagram)}
    return solid, dotted


# --- table ---------------------------------------------------------------------------------------


def test_table_has_one_row_per_stack_in_the_given_order():
    topo = topology(MIXED)
    stack_rows = rows(topo)
    lines = render_table(stack_rows, topo).splitlines()
    assert lines[0].split() == ["stack", "cloud", "resources", "output"]
    body = lines[1 : 1 + len(stack_rows)]
    for line, row in zip(body, stack_rows, strict=True):
        assert line.startswith(row.name + " ")
        assert line.endswith(f" {row.output}")
        assert f" {TITLES[row.cloud.value]} " in line
        assert re.search(rf"\s{row.resources}\s", line)


def test_table_columns_line_up():
    topo = topology(MIXED)
    stack_rows = rows(topo)
    header, *body = render_table(stack_rows, topo).splitlines()[: 1 + len(stack_rows)]
    column = header.index("cloud")
    for line, row in zip(body, stack_rows, strict=True):
        assert line[column:].startswith(TITLES[row.cloud.value] + " "), line


def test_table_lists_each_bridge_with_its_connection_id_and_stacks():
    topo = topology(MIXED)
    text = render_table(rows(topo), topo)
    assert "bridges (receiver deployed first):" in text
    for cid, (sender, receiver) in MIXED_BRIDGES.items():
        sender_stack = f"{TWIN}-{sender.replace('_', '-')}"
        receiver_stack = f"{TWIN}-{receiver.replace('_', '-')}"
        line = next(line for line in text.splitlines() if line.strip().startswith(cid + ":"))
        assert line.endswith(f"({sender_stack} → {receiver_stack})"), line
    assert "bridges: none" not in text


@pytest.mark.parametrize("cloud", ["aws", "azure"])
def test_table_says_none_for_a_single_cloud_twin(cloud):
    topo = topology((cloud,) * 7)
    text = render_table(rows(topo), topo)
    assert text.splitlines()[-1] == "bridges: none (neighbouring layers share a cloud)"
    assert "receiver deployed first" not in text


# --- mermaid -------------------------------------------------------------------------------------


def test_mermaid_is_a_fenced_flowchart_with_a_title():
    lines = render_mermaid(topology(MIXED)).splitlines()
    assert lines[0] == f"# Topology of {TWIN}"
    assert lines[2:4] == ["```mermaid", "flowchart LR"]
    assert lines[-1] == "```"


def test_mermaid_groups_nodes_by_cloud():
    groups = subgraphs(render_mermaid(topology(MIXED)))
    assert groups == {
        "aws": ("AWS", {"l1", "l4", "l5"}),
        "azure": ("Azure", {"l2", "l3_archive"}),
        "google": ("Google Cloud", {"l3_hot", "l3_cold"}),
    }


def test_mermaid_nodes_show_layer_and_stack_name():
    diagram = render_mermaid(topology(MIXED))
    assert f'l3_hot["L3 hot storage<br/>{TWIN}-l3-hot"]' in diagram
    assert f'l1["L1 ingestion<br/>{TWIN}-l1"]' in diagram


def test_mermaid_draws_bridges_as_labelled_dotted_edges():
    solid, dotted = edges(render_mermaid(topology(MIXED)))
    assert dotted == MIXED_BRIDGES
    # solid arrows only join layers on the same cloud
    assert solid == {("l3_hot", "l3_cold"), ("l4", "l5")}


def test_mermaid_single_cloud_has_one_group_and_only_native_edges():
    diagram = render_mermaid(topology(ALL_AWS))
    groups = subgraphs(diagram)
    assert list(groups) == ["aws"]
    assert groups["aws"][1] == {"l1", "l2", "l3_hot", "l3_cold", "l3_archive", "l4", "l5"}
    solid, dotted = edges(diagram)
    assert dotted == {}
    assert solid == {("l1", "l2"), ("l2", "l3_hot"), ("l3_hot", "l3_cold"), ("l3_cold", "l3_archive"),
                     ("l3_hot", "l4"), ("l4", "l5")}


def test_mermaid_shows_the_twin_update_bridge():
    _, dotted = edges(render_mermaid(topology(("aws",) * 5 + ("azure", "azure"))))
    assert dotted == {"aws_l2_to_azure_l4_twin_update": ("l2", "l4"), "aws_l3_to_azure_l4_hot_reader": ("l4", "l3_hot")}


def test_resource_count_includes_nested_stacks(tmp_path):
    from cdk_app.summary import cloudformation_resource_count

    def write(name: str, resources: dict) -> None:
        (tmp_path / name).write_text(json.dumps({"Resources": resources}))

    nested = {"Type": "AWS::CloudFormation::Stack", "Metadata": {"aws:asset:path": "child.nested.template.json"}}
    write("parent.template.json", {"Queue": {"Type": "AWS::SQS::Queue"}, "Child": nested})
    write("child.nested.template.json", {f"Thing{i}": {"Type": "AWS::IoT::Thing"} for i in range(3)})
    assert cloudformation_resource_count(tmp_path / "parent.template.json") == (5, 1)


def test_mermaid_shows_the_feedback_receiver_and_the_dashboard_connection():
    # l1 azure, l2 aws, hot aws, cold aws, archive aws, l4 aws, l5 azure; event feedback on
    providers = Providers.of({layer: Provider(value) for layer, value in zip(
        Layer, ("azure", "aws", "aws", "aws", "aws", "aws", "azure"), strict=True)})
    diagram = render_mermaid(plan(TWIN, providers, Features(device_feedback=True)))
    groups = subgraphs(diagram)
    assert groups["azure"] == ("Azure", {"l1", "l1_feedback", "l5"})
    assert f'l1_feedback["L1 device feedback<br/>{TWIN}-l1-feedback"]' in diagram
    solid, dotted = edges(diagram)
    assert dotted == {
        "azure_l1_to_aws_l2": ("l1", "l2"),
        "aws_l2_to_azure_l1_feedback": ("l2", "l1_feedback"),
        "aws_l3_hot_to_azure_l5_dashboard": ("l5", "l3_hot"),
    }
    assert ("l1_feedback", "l1") in solid  # the receiver works for L1's devices


def test_mermaid_of_a_twin_without_l4_and_l5_has_no_nodes_for_them():
    providers = Providers.of({layer: Provider("google") for layer in Layer if layer not in (Layer.L4, Layer.L5)})
    diagram = render_mermaid(plan(TWIN, providers, Features()))
    assert subgraphs(diagram) == {"google": ("Google Cloud", {"l1", "l2", "l3_hot", "l3_cold", "l3_archive"})}
    assert edges(diagram)[1] == {}
