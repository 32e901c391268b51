"""AWS layer stacks (aws-cdk-lib), built in deploy order so later stacks can reference earlier ones."""

from __future__ import annotations

from aws_cdk import App, Environment

from cdk_app.bundles import Bundles
from cdk_app.config.model import Layer, ProjectConfig, Provider
from cdk_app.stacks.aws.base import AwsLayerStack
from cdk_app.stacks.context import LayerContext
from cdk_app.topology import Topology

STACK_CLASSES: dict[Layer, type[AwsLayerStack]] = {layer: AwsLayerStack for layer in Layer}


def build_aws_stacks(
    app: App, config: ProjectConfig, topology: Topology, env: Environment, bundles: Bundles
) -> dict[Layer, AwsLayerStack]:
    built: dict[Layer, AwsLayerStack] = {}
    for layer in topology.deploy_order:
        if topology.cloud(layer) is Provider.AWS:
            ctx = LayerContext(config, topology, layer)
            built[layer] = STACK_CLASSES[layer](app, ctx, env=env, bundles=bundles, built=dict(built))
    return built
