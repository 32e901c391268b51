"""The base every Azure layer stack extends (CDK Terrain).

Each Azure layer stack owns its resource group `<twin>-<layer>-rg`, one user-assigned identity,
optionally a Key Vault and one Function App (constructs_lib/azure). Stacks are built in deploy
order; what a stack needs of an earlier one comes from that layer's typed outputs
(cdk_app/stacks/azure/outputs.py), what crosses clouds from the bridge endpoints (bridges.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, TypeVar

from constructs import Construct

from twin_model.config.model import Provider
from cdk_app.stacks.azure.bridge_endpoints import AzureBridgeEndpoints
from cdk_app.stacks.azure.bundle import finish_azure_bundles
from cdk_app.stacks.azure.monitoring import add_monitoring
from cdk_app.stacks.azure.outputs import AzureLayerOutputs
from cdk_app.stacks.context import LayerContext
from cdk_app.stacks.terraform.base import TerraformLayerStack
from cdk_app.stacks.terraform.terraform_settings import TerraformSettings
from constructs_lib.azure.function_host import FunctionHost, FunctionHostProps
from constructs_lib.azure.layer_foundation import LayerFoundation, LayerFoundationProps
from constructs_lib.azure.naming import AzureNames
from constructs_lib.azure.secret_vault import SecretVault, SecretVaultProps
from twin_contract import functions as contract

Outputs = TypeVar("Outputs", bound=AzureLayerOutputs)


class AzureLayerStack(TerraformLayerStack):
    """A Terraform stack on Azure for one layer."""

    def __init__(self, scope: Construct, ctx: LayerContext, *, settings: TerraformSettings) -> None:
        super().__init__(scope, ctx, settings=settings)
        from cdktn_provider_azurerm.data_azurerm_client_config import DataAzurermClientConfig
        from cdktn_provider_azurerm.provider import AzurermProvider  # heavy: only when Azure is used
        from cdktn_provider_random.provider import RandomProvider

        # Credentials come from `az login` or ARM_* variables, never from project files. Resource
        # providers are registered by the subscription owner once, not by every stack.
        AzurermProvider(self, "azurerm", features=[{}], resource_provider_registrations="none")
        RandomProvider(self, "random")
        self.config = ctx.config
        self.topology = ctx.topology
        self.layer = ctx.layer
        self.names = AzureNames(ctx.twin, ctx.stack.suffix, ctx.stack.code)
        self.client = DataAzurermClientConfig(self, "client")
        self.foundation = LayerFoundation(
            self,
            "Foundation",
            LayerFoundationProps(
                self.names,
                settings.azure_location,
                (("digital-twin", ctx.twin), ("digital-twin-layer", ctx.stack.suffix)),
                debug=self.debug,
            ),
        )
        self.resource_group = self.foundation.resource_group
        self.placement = self.foundation.placement  # what every construct of the layer is placed with
        self.identity = self.foundation.identity
        self.bridges = AzureBridgeEndpoints(self)
        self.vault: SecretVault | None = None
        self.host: FunctionHost | None = None

    def complete(self) -> None:
        """Alerts on what the layer made, and the action group or workbook where this stack holds
        them. Every bridge with an end here must have been bound by then."""
        self.bridges.check_bound()
        self.outputs = replace(self.outputs, health=add_monitoring(self))

    def layer_outputs(self, kind: type[Outputs], **fields: Any) -> Outputs:
        """This layer's outputs: the group, the identity and the bridge endpoints it published."""
        return kind(
            resource_group_id=self.resource_group.id,
            identity_principal_id=self.identity.principal_id,
            endpoints=dict(self.bridges.published),
            **fields,
        )

    def ensure_vault(self) -> SecretVault:
        if self.vault is None:
            self.vault = SecretVault(
                self,
                "Secrets",
                SecretVaultProps(
                    self.placement,
                    tenant_id=self.client.tenant_id,
                    deployer_object_id=self.client.object_id,
                    reader_principal_id=self.identity.principal_id,
                    purge_protection=not self.debug,
                ),
            )
        return self.vault

    def common_settings(self) -> dict[str, str]:
        return {
            contract.TWIN_NAME: self.ctx.twin,
            contract.LOG_LEVEL: "DEBUG" if self.debug else "INFO",
            contract.KEY_VAULT_URI: self.ensure_vault().vault_uri,
        }

    def add_function_host(
        self,
        functions: tuple[contract.FunctionRole, ...],
        settings: Mapping[str, str],
        queues: tuple[str, ...] = (),
        processing: bool = False,
    ) -> FunctionHost:
        bundles = self.ctx.bundles.for_cloud(Provider.AZURE, finish_azure_bundles)
        insights = self.foundation.app_insights()
        self.host = FunctionHost(
            self,
            "Functions",
            FunctionHostProps(
                placement=self.placement,
                identity_id=self.identity.id,
                identity_client_id=self.identity.client_id,
                identity_principal_id=self.identity.principal_id,
                bundle_dir=bundles.processing if processing else bundles.runtime,
                functions=tuple(dict.fromkeys(role.module(contract.AZURE) for role in functions)),
                queues=queues,
                app_settings=tuple({**self.common_settings(), **settings}.items()),
                app_insights_connection_string=insights.connection_string,
                debug=self.debug,
            ),
        )
        return self.host
