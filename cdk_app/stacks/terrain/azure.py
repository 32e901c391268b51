"""Azure layer stacks (CDK Terrain). Layer resources arrive with the Azure issue."""

from __future__ import annotations

from cdktn import TerraformStack
from constructs import Construct

from cdk_app.stacks.context import LayerContext


class AzureLayerStack(TerraformStack):
    """A Terraform stack on Azure for one layer, with the azurerm provider configured."""

    def __init__(self, scope: Construct, ctx: LayerContext, *, location: str) -> None:
        super().__init__(scope, ctx.stack_name)
        from cdktn_provider_azurerm.provider import AzurermProvider  # heavy: only when Azure is used

        # Credentials come from `az login` or ARM_* variables, never from project files.
        AzurermProvider(self, "azurerm", features=[{}])
        self.location = location
        self.ctx = ctx
