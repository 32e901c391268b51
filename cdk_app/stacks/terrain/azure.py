"""Azure layer stacks (CDK Terrain): the common base every Azure layer stack extends.

Each Azure layer stack owns its resource group `<twin>-<layer>-rg`, one user-assigned identity,
optionally a Key Vault and one Function App (constructs_lib/azure). Stacks are built in deploy
order; `built` holds the Terraform stacks deployed before this one, which this stack may
reference (CDK Terrain cross-stack references). A stack that receives a bridge publishes
`inter_cloud_endpoints` (docs/terrain-bridges.md).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cdktn import App, TerraformStack
from constructs import Construct

from cdk_app.config.model import Layer, Provider
from cdk_app.stacks.context import LayerContext
from cdk_app.stacks.terrain.azure_bundle import azure_bundles
from cdk_app.stacks.terrain.settings import TerrainSettings
from cdk_app.topology import Bridge
from constructs_lib.azure.function_host import FunctionHost, FunctionHostProps
from constructs_lib.inter_cloud_endpoint import InterCloudEndpoint
from constructs_lib.azure.inter_cloud_receiver import InterCloudReceiver, InterCloudReceiverProps
from constructs_lib.azure.inter_cloud_sender import InterCloudSender, InterCloudSenderProps
from constructs_lib.azure.layer_foundation import LayerFoundation, LayerFoundationProps
from constructs_lib.azure.naming import AzureNames
from constructs_lib.azure.secret_vault import SecretVault, SecretVaultProps
from twin_contract.registry import URL_KEY


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
        from cdktn_provider_azurerm.data_azurerm_client_config import DataAzurermClientConfig
        from cdktn_provider_azurerm.provider import AzurermProvider  # heavy: only when Azure is used
        from cdktn_provider_random.provider import RandomProvider

        # Credentials come from `az login` or ARM_* variables, never from project files. Resource
        # providers are registered by the subscription owner once, not by every stack.
        AzurermProvider(self, "azurerm", features=[{}], resource_provider_registrations="none")
        RandomProvider(self, "random")
        self.ctx = ctx
        self.settings = settings
        self.built = built
        self.config = ctx.config
        self.topology = ctx.topology
        self.layer = ctx.layer
        self.debug = ctx.config.twin.debug
        self.names = AzureNames(ctx.twin, ctx.layer.value)
        self.tags = (("digital-twin", ctx.twin), ("digital-twin-layer", ctx.layer.value))
        self.client = DataAzurermClientConfig(self, "client")
        self.foundation = LayerFoundation(
            self,
            "Foundation",
            LayerFoundationProps(self.names, settings.azure_location, self.tags, observability=self.debug),
        )
        self.resource_group = self.foundation.resource_group
        self.identity = self.foundation.identity
        self.vault: SecretVault | None = None
        self.host: FunctionHost | None = None
        self._aws_provider = None
        # connection id → endpoint, for senders on other Terraform clouds (docs/terrain-bridges.md)
        self.inter_cloud_endpoints: dict[str, InterCloudEndpoint] = {}

    # ---- shared building blocks -------------------------------------------------------------

    @property
    def location(self) -> str:
        return self.settings.azure_location

    def ensure_vault(self) -> SecretVault:
        if self.vault is None:
            self.vault = SecretVault(
                self,
                "Secrets",
                SecretVaultProps(
                    self.names,
                    self.location,
                    self.resource_group.name,
                    tenant_id=self.client.tenant_id,
                    deployer_object_id=self.client.object_id,
                    reader_principal_id=self.identity.principal_id,
                    purge_protection=not self.debug,
                    tags=self.tags,
                ),
            )
        return self.vault

    def ensure_aws_provider(self) -> None:
        """The AWS provider, for the connection registry (SSM Parameter Store / Secrets Manager)."""
        if self._aws_provider is None:
            from cdktn_provider_aws.provider import AwsProvider

            self._aws_provider = AwsProvider(self, "aws", region=self.settings.aws_region)

    def common_settings(self) -> dict[str, str]:
        return {
            "TWIN_NAME": self.ctx.twin,
            "LOG_LEVEL": "DEBUG" if self.debug else "INFO",
            "KEY_VAULT_URI": self.ensure_vault().vault_uri,
        }

    def add_function_host(
        self,
        functions: tuple[str, ...],
        settings: Mapping[str, str],
        queues: tuple[str, ...] = (),
        processing: bool = False,
    ) -> FunctionHost:
        bundles = azure_bundles(self.config, self.settings.staging_dir)
        insights = self.foundation.app_insights
        self.host = FunctionHost(
            self,
            "Functions",
            FunctionHostProps(
                names=self.names,
                location=self.location,
                resource_group_name=self.resource_group.name,
                identity_id=self.identity.id,
                identity_client_id=self.identity.client_id,
                identity_principal_id=self.identity.principal_id,
                bundle_dir=bundles.processing if processing else bundles.runtime,
                functions=functions,
                queues=queues,
                app_settings=tuple({**self.common_settings(), **settings}.items()),
                app_insights_connection_string=insights.connection_string if insights else None,
                tags=self.tags,
                debug=self.debug,
            ),
        )
        return self.host

    # ---- bridges ------------------------------------------------------------------------------

    def bridge(self, kind) -> Bridge | None:
        return self.topology.bridge(kind)

    def add_receiver(self, bridge: Bridge, endpoints: Mapping[str, str]) -> InterCloudReceiver:
        """The receiving side of `bridge` on this stack: token, vault secret, publication."""
        publish_to_aws = bridge.sender_cloud is Provider.AWS
        if publish_to_aws:
            self.ensure_aws_provider()
        receiver = InterCloudReceiver(
            self,
            f"Receiver-{bridge.kind.value}",
            InterCloudReceiverProps(
                twin_name=self.ctx.twin,
                connection_id=bridge.connection_id,
                endpoints=tuple(endpoints.items()),
                vault=self.ensure_vault(),
                publish_to_aws=publish_to_aws,
                debug=self.debug,
            ),
        )
        self.inter_cloud_endpoints[bridge.connection_id] = receiver.endpoint
        return receiver

    def add_sender(self, bridge: Bridge, url_keys: tuple[str, ...] = (URL_KEY,)) -> InterCloudSender:
        """The sending side of `bridge`: the registry when the receiver is on AWS, else its stack."""
        endpoint = None
        if bridge.receiver_cloud is Provider.AWS:
            self.ensure_aws_provider()
        else:
            endpoint = self._terrain_endpoint(bridge)
        return InterCloudSender(
            self,
            f"Sender-{bridge.kind.value}",
            InterCloudSenderProps(self.ctx.twin, bridge.connection_id, self.ensure_vault(), endpoint, url_keys),
        )

    def _terrain_endpoint(self, bridge: Bridge) -> Any:
        receiver_stack = self.built.get(bridge.receiver_layer)
        endpoints = getattr(receiver_stack, "inter_cloud_endpoints", None)
        if receiver_stack is None or endpoints is None or bridge.connection_id not in endpoints:
            raise ValueError(
                f"{self.ctx.stack_name}: the receiver of {bridge.connection_id} "
                f"({self.topology.stack_name(bridge.receiver_layer)}) must be built before this stack and expose "
                "inter_cloud_endpoints[connection_id] (docs/terrain-bridges.md)"
            )
        return endpoints[bridge.connection_id]

    # ---- files next to the stack (data-plane objects with no azurerm resource) ----------------

    def write_deploy_file(self, relative: str, content: Any) -> Path:
        """Write `content` (JSON) to cdktf.out/stacks/<stack>/<relative> for a post-deploy step."""
        path = Path(App.of(self).outdir) / "stacks" / self.ctx.stack_name / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content, indent=2, sort_keys=False) + "\n", encoding="utf-8")
        return path

    def built_azure(self, layer: Layer) -> "AzureLayerStack | None":
        stack = self.built.get(layer)
        return stack if isinstance(stack, AzureLayerStack) else None
