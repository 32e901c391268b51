"""AWS layer stacks (aws-cdk-lib), built in deploy order so later stacks can use earlier ones' outputs."""

from __future__ import annotations

from aws_cdk import Environment
from constructs import Construct

from cdk_app.bundles import BundleStager
from twin_model.config.model import Layer, ProjectConfig, Provider
from cdk_app.stacks.aws.base import AwsLayerStack
from cdk_app.stacks.aws.l1 import L1Stack
from cdk_app.stacks.aws.l1_feedback import L1FeedbackStack
from cdk_app.stacks.aws.l2 import L2Stack
from cdk_app.stacks.aws.l3_archive import L3ArchiveStack
from cdk_app.stacks.aws.l3_cold import L3ColdStack
from cdk_app.stacks.aws.l3_hot import L3HotStack
from cdk_app.stacks.aws.l4 import L4Stack
from cdk_app.stacks.aws.l5 import L5Stack
from cdk_app.stacks.context import LayerContext
from cdk_app.stacks.outputs import BuiltLayers
from twin_model.topology import Part, Topology

STACKS: dict[Layer, type[AwsLayerStack]] = {
    Layer.L1: L1Stack,
    Layer.L2: L2Stack,
    Layer.L3_HOT: L3HotStack,
    Layer.L3_COLD: L3ColdStack,
    Layer.L3_ARCHIVE: L3ArchiveStack,
    Layer.L4: L4Stack,
    Layer.L5: L5Stack,
}
PARTS: dict[Part, type[AwsLayerStack]] = {Part.L1_FEEDBACK: L1FeedbackStack}


def build_aws_stacks(
    scope: Construct, config: ProjectConfig, topology: Topology, env: Environment, bundles: BundleStager
) -> dict[Layer | Part, AwsLayerStack]:
    """Build the AWS stacks under `scope` (the app, or a pipeline stage).

    Each stack also depends on the AWS stack before it in deploy order, so `cdk deploy --all` and
    the pipeline keep the topology's order even where no reference links two stacks (a Terraform
    stack may sit between them).
    """
    built: dict[Layer | Part, AwsLayerStack] = {}
    upstream = BuiltLayers()
    previous: AwsLayerStack | None = None
    for twin_stack in topology.stacks:
        if twin_stack.cloud is Provider.AWS:
            layer, part = twin_stack.layer, twin_stack.part
            stack_class = PARTS[part] if part else STACKS[layer]
            stack = stack_class(scope, LayerContext(config, topology, layer, upstream, bundles, part), env=env)
            stack.complete()
            if previous is not None:
                stack.add_stack_dependency(previous, "deploy order of the twin's topology")
            built[part or layer] = previous = stack
            upstream = upstream.with_layer(layer, stack.outputs, part)
    return built
