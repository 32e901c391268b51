"""Azure's ends of a bridge (the interface and its rules: cdk_app/stacks/bridge_rules.py).

Receive: a generated token in the layer's Key Vault guards the layer's public HTTP functions;
URL and token go to the AWS registry for an AWS sender, or into the stack's outputs for a sender
on Google Cloud. Send: the receiver's URL(s) as settings and its token copied into this layer's
vault (Azure functions read their own vault only), from the registry or the receiver's outputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from constructs import Construct

from cdk_app.stacks.terraform.bridge_endpoints import TerraformBridgeEndpoints
from constructs_lib.azure.inter_cloud_receiver import InterCloudReceiver, InterCloudReceiverProps, vault_secret_name
from constructs_lib.azure.inter_cloud_sender import InterCloudSender, InterCloudSenderProps
from twin_model.topology import Bridge

if TYPE_CHECKING:
    from cdk_app.stacks.azure.base import AzureLayerStack


class AzureBridgeEndpoints(TerraformBridgeEndpoints):
    cloud_title = "Azure"

    def __init__(self, stack: AzureLayerStack) -> None:
        super().__init__(stack)
        self.azure = stack

    def token_secret(self, bridge: Bridge) -> str:
        """The vault secret's name is known before the token exists (the Function App's settings
        are fixed when it is created, the URLs only after); `receive` makes the token."""
        self.check_receiver(bridge)
        return vault_secret_name(bridge.connection_id)

    def _inbound_token(self, bridge: Bridge, urls: Mapping[str, str]) -> tuple[str, Construct, str]:
        receiver = InterCloudReceiver(
            self.azure,
            f"Receiver-{bridge.kind.value}",
            InterCloudReceiverProps(bridge.connection_id, tuple(urls.items()), self.azure.ensure_vault()),
        )
        return receiver.token, receiver, "Registry"

    def _registry_lookup_id(self, bridge: Bridge) -> str:
        return f"Sender-{bridge.kind.value}-Registry"

    def _outbound_token_secret(self, bridge: Bridge, token: str) -> str:
        sender = InterCloudSender(
            self.azure, f"Sender-{bridge.kind.value}", InterCloudSenderProps(bridge.connection_id, token, self.azure.ensure_vault())
        )
        return sender.token_secret_name
