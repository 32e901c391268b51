"""What a person checks before deploying: stacks per cloud, resource counts, bridges, a diagram."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from twin_model.clouds import CLOUDS
from twin_model.config.model import Layer, Provider
from twin_model.topology import Topology

# The data path drawn between neighbouring layers when they share a cloud.
DATA_PATH = (
    (Layer.L1, Layer.L2),
    (Layer.L2, Layer.L3_HOT),
    (Layer.L3_HOT, Layer.L3_COLD),
    (Layer.L3_COLD, Layer.L3_ARCHIVE),
    (Layer.L3_HOT, Layer.L4),
    (Layer.L4, Layer.L5),
)


@dataclass(frozen=True)
class StackSummary:
    name: str
    cloud: Provider
    resources: int  # nested stacks' resources included
    output: str  # where the synthesized file is
    nested_stacks: int = 0


def cloudformation_resource_count(template_path: Path) -> tuple[int, int]:
    """(resources, nested stacks) of a template and, recursively, the nested templates beside it."""
    template = json.loads(template_path.read_text(encoding="utf-8"))
    resources, nested = len(template.get("Resources", {})), 0
    for resource in template.get("Resources", {}).values():
        child = resource.get("Metadata", {}).get("aws:asset:path", "")
        if resource["Type"] == "AWS::CloudFormation::Stack" and child.endswith(".template.json"):
            child_resources, child_nested = cloudformation_resource_count(template_path.parent / child)
            resources, nested = resources + child_resources, nested + 1 + child_nested
    return resources, nested


def terraform_resource_count(stack_json: Path) -> int:
    document = json.loads(stack_json.read_text(encoding="utf-8"))
    return sum(len(by_name) for by_name in document.get("resource", {}).values())


def render_warnings(warnings) -> str:
    """The project's warnings (ignored predecessor keys and files, mapped names, defaults used)."""
    noun = "warning" if len(warnings) == 1 else "warnings"
    return "\n".join([f"{len(warnings)} {noun}:"] + [f"  - {warning}" for warning in warnings])


def render_table(stacks: list[StackSummary], topology: Topology) -> str:
    width = max([len("stack")] + [len(s.name) for s in stacks])
    lines = [f"{'stack':<{width}}  {'cloud':<12}  {'resources':>9}  output"]
    lines += [
        f"{s.name:<{width}}  {CLOUDS[s.cloud].title:<12}  {s.resources:>9}  {s.output}"
        + (f" (+{s.nested_stacks} nested)" if s.nested_stacks else "")
        for s in stacks
    ]
    if topology.bridges:
        lines.append("")
        lines.append("bridges (receiver deployed first):")
        for b in topology.bridges:
            lines.append(
                f"  {b.connection_id}: {b.label} "
                f"({topology.sender_stack(b).name} → {topology.receiver_stack(b).name})"
            )
    else:
        lines.append("")
        lines.append("bridges: none (neighbouring layers share a cloud)")
    return "\n".join(lines)


def render_mermaid(topology: Topology) -> str:
    """Stacks as nodes grouped by cloud; bridges as labelled dotted edges."""
    node = {(stack.layer, stack.part): stack.suffix.replace("-", "_") for stack in topology.stacks}
    lines = [f"# Topology of {topology.twin_name}", "", "```mermaid", "flowchart LR"]
    for cloud in topology.clouds:
        lines.append(f'  subgraph {cloud.value}["{CLOUDS[cloud].title}"]')
        for stack in sorted((s for s in topology.stacks if s.cloud is cloud), key=_diagram_position):
            lines.append(f'    {node[stack.layer, stack.part]}["{stack.title}<br/>{stack.name}"]')
        lines.append("  end")
    for source, target in DATA_PATH:
        if topology.placed(source) and topology.placed(target) and topology.cloud(source) is topology.cloud(target):
            lines.append(f"  {node[source, None]} --> {node[target, None]}")
    for stack in topology.stacks:
        if stack.part is not None:  # a part works for its layer (the feedback receiver → L1's devices)
            lines.append(f"  {node[stack.layer, stack.part]} --> {node[stack.layer, None]}")
    for b in topology.bridges:
        sender, receiver = topology.sender_stack(b), topology.receiver_stack(b)
        lines.append(
            f'  {node[sender.layer, sender.part]} -. "{b.connection_id}" .-> {node[receiver.layer, receiver.part]}'
        )
    lines.append("```")
    lines.append("")
    return "\n".join(lines)


def _diagram_position(stack) -> tuple[int, int]:
    """Layers in their natural order, a part right after its layer."""
    return list(Layer).index(stack.layer), 0 if stack.part is None else 1
