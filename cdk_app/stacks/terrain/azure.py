"""Azure layer stacks (CDK Terrain)."""

from __future__ import annotations

from collections.abc import Mapping

from cdktn import TerraformStack
from constructs import Construct

from cdk_app.config.model import Layer
from cdk_app.stacks.context import LayerContext
from cdk_app.stacks.terrain.settings import TerrainSettings


class AzureLayerStack(TerraformStack):
    """A Terraform stack on Azure for one layer; `built` holds the Terraform stacks deployed before it."""

    def __init__(
        self,
        scope: Construct,
        ctx: LayerContext,
        *,
        settings: TerrainSettings,
        built: Mapping[Layer, TerraformStack],
    ) -> None:
        super().__init__(scope, ctx.stack_name)
        from cdktn_provider_azurerm.provider import AzurermProvider  # heavy: only when Azure is used

        # Credentials come from `az login` or ARM_* variables, never from project files.
        AzurermProvider(self, "azurerm", features=[{}])
        self.ctx = ctx
        self.settings = settings
        self.built = built
