"""CDK Terrain (Terraform) stacks for layers placed on Azure or Google Cloud, built in deploy order."""

from __future__ import annotations

from cdktn import App, TerraformStack

from cdk_app.config.model import Layer, ProjectConfig, Provider
from cdk_app.stacks.context import LayerContext
from cdk_app.stacks.terrain.azure_l1 import AzureIngestionStack
from cdk_app.stacks.terrain.azure_l2 import AzureProcessingStack
from cdk_app.stacks.terrain.azure_l3 import AzureArchiveStack, AzureColdStack, AzureHotStack
from cdk_app.stacks.terrain.azure_l4 import AzureTwinStack
from cdk_app.stacks.terrain.azure_l5 import AzureDashboardStack
from cdk_app.stacks.terrain.backend import configure_backend, resolve_kind
from cdk_app.stacks.terrain.gcp_l1 import GcpL1Stack
from cdk_app.stacks.terrain.gcp_l2 import GcpL2Stack
from cdk_app.stacks.terrain.gcp_l3 import GcpL3ArchiveStack, GcpL3ColdStack, GcpL3HotStack
from cdk_app.stacks.terrain.settings import TerrainSettings
from cdk_app.topology import Topology

STACK_CLASSES: dict[tuple[Provider, Layer], type[TerraformStack]] = {
    (Provider.AZURE, Layer.L1): AzureIngestionStack,
    (Provider.AZURE, Layer.L2): AzureProcessingStack,
    (Provider.AZURE, Layer.L3_HOT): AzureHotStack,
    (Provider.AZURE, Layer.L3_COLD): AzureColdStack,
    (Provider.AZURE, Layer.L3_ARCHIVE): AzureArchiveStack,
    (Provider.AZURE, Layer.L4): AzureTwinStack,
    (Provider.AZURE, Layer.L5): AzureDashboardStack,
    (Provider.GOOGLE, Layer.L1): GcpL1Stack,
    (Provider.GOOGLE, Layer.L2): GcpL2Stack,
    (Provider.GOOGLE, Layer.L3_HOT): GcpL3HotStack,
    (Provider.GOOGLE, Layer.L3_COLD): GcpL3ColdStack,
    (Provider.GOOGLE, Layer.L3_ARCHIVE): GcpL3ArchiveStack,
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
