"""Both sides of a bridge on Azure (the rules: cdk_app/stacks/bridge_rules.py).

Receive: a generated token in the layer's Key Vault guards the layer's public HTTP functions;
URL and token go to the AWS registry for an AWS sender, or into the stack's outputs for a sender
on Google Cloud. Send: the receiver's URL(s) as settings and its token copied into this layer's
vault (Azure functions read their own vault only), from the registry or the receiver's outputs.
"""

from __future__ import annotations

from collections.abc import Mapping

from cdk_app.stacks.terraform.bridge_endpoints import TerraformBridgeEndpoints
from twin_model.topology import Bridge
from constructs_lib.azure.inter_cloud_receiver import InterCloudReceiver, InterCloudReceiverProps, vault_secret_name
from constructs_lib.azure.inter_cloud_sender import InterCloudSender, InterCloudSenderProps


class AzureBridgeEndpoints(TerraformBridgeEndpoints):
    cloud_title = "Azure"

    @staticmethod
    def inbound_token_secret(bridge: Bridge) -> str:
        """The vault secret name of a received bridge's token, known before its functions exist
        (the Function App's settings are fixed when it is created, the URLs only after)."""
        return vault_secret_name(bridge.connection_id)

    def receive(self, bridge: Bridge, urls: Mapping[str, str]) -> str:
        """Guard the functions at `urls` (registry key → URL); returns the token's vault secret name."""
        self.check_receiving(bridge, urls)
        receiver = InterCloudReceiver(
            self.stack,
            f"Receiver-{bridge.kind.value}",
            InterCloudReceiverProps(bridge.connection_id, tuple(urls.items()), self.stack.ensure_vault()),
        )
        if self.uses_registry(bridge):
            self.register(bridge, receiver, "Registry", urls, receiver.token)
        else:
            self.published[bridge.connection_id] = receiver.endpoint
        return receiver.token_secret_name

    def send(self, bridge: Bridge) -> dict[str, str]:
        """The sending function's settings: <prefix>_URL (and _LAST_ENTRY_URL), <prefix>_TOKEN_SECRET."""
        self.check_sending(bridge)
        scope_id = f"Sender-{bridge.kind.value}"
        urls, token = self.receiver_endpoint(bridge, f"{scope_id}-Registry")
        sender = InterCloudSender(
            self.stack, scope_id, InterCloudSenderProps(bridge.connection_id, token, self.stack.ensure_vault())
        )
        settings = {bridge.url_setting(key): urls[key] for key in bridge.endpoint_keys}
        settings[bridge.token_setting] = sender.token_secret_name
        return settings
