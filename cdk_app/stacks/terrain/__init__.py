"""CDK Terrain (Terraform) stacks for layers placed on Azure or Google Cloud, built in deploy order."""

from __future__ import annotations

from cdktn import App, TerraformStack

from cdk_app.config.model import Layer, ProjectConfig, Provider
from cdk_app.stacks.context import LayerContext
from cdk_app.stacks.terrain.azure import AzureLayerStack
from cdk_app.stacks.terrain.backend import configure_backend, resolve_kind
from cdk_app.stacks.terrain.gcp import GcpLayerStack
from cdk_app.stacks.terrain.settings import TerrainSettings
from cdk_app.topology import Topology

STACK_CLASSES: dict[tuple[Provider, Layer], type[TerraformStack]] = {
    **{(Provider.AZURE, layer): AzureLayerStack for layer in Layer},
    **{(Provider.GOOGLE, layer): GcpLayerStack for layer in Layer if layer not in (Layer.L4, Layer.L5)},
}


def build_terrain_stacks(
    app: App, config: ProjectConfig, topology: Topology, settings: TerrainSettings
) -> dict[Layer, TerraformStack]:
    built: dict[Layer, TerraformStack] = {}
    backend = resolve_kind(settings.backend.kind, topology.clouds)
    for layer in topology.deploy_order:
        cloud = topology.cloud(layer)
        if cloud is not Provider.AWS:
            ctx = LayerContext(config, topology, layer)
            stack = STACK_CLASSES[(cloud, layer)](app, ctx, settings=settings, built=dict(built))
            configure_backend(stack, backend, settings.backend, config.name, ctx.stack_name, settings.aws_region)
            built[layer] = stack
    return built
