"""Both sides of a bridge on Google Cloud (the rules: cdk_app/stacks/bridge_rules.py).

Receive: a generated token in Secret Manager (readable by the layer's account only) guards public
functions that check it in code; URL and token go to the AWS registry for an AWS sender, or into
the stack's outputs for a sender on Azure. Send: the receiver's URL(s) as settings and its token
copied into this layer's own Secret Manager secret, from the registry or the receiver's outputs.
"""

from __future__ import annotations

from collections.abc import Mapping

from cdk_app.stacks.bridge_rules import BridgeWiringError
from cdk_app.stacks.terraform.bridge_endpoints import TerraformBridgeEndpoints
from twin_model.topology import Bridge
from constructs_lib.gcp.naming import slug
from constructs_lib.gcp.token_secret import TokenSecret, TokenSecretProps
from constructs_lib.inter_cloud_endpoint import InterCloudEndpoint
from constructs_lib.tokens import generated_token
from twin_contract.registry import LAST_ENTRY_URL_KEY, URL_KEY

SECRET_API = "secretmanager.googleapis.com"


class GcpBridgeEndpoints(TerraformBridgeEndpoints):
    cloud_title = "Google Cloud"

    def __init__(self, stack) -> None:  # a GcpLayerStack
        super().__init__(stack)
        self._tokens: dict[str, str] = {}

    def inbound_token_secret(self, bridge: Bridge) -> str:
        """Generate the token of a bridge received here; returns its secret's name for the functions."""
        self.check_receiving(bridge, bridge.endpoint_keys)
        self._tokens[bridge.connection_id] = generated_token(self.stack, f"Token-{bridge.connection_id}")
        return self._secret(bridge, "inbound", self._tokens[bridge.connection_id]).name

    def receive(self, bridge: Bridge, urls: Mapping[str, str]) -> None:
        """Publish the functions at `urls` (registry key → URL) with the token made for them."""
        self.check_receiving(bridge, urls)
        token = self._tokens.get(bridge.connection_id)
        if token is None:
            raise BridgeWiringError(f"{self.ctx.stack_name}: generate the token of {bridge.connection_id} first")
        self.published[bridge.connection_id] = InterCloudEndpoint(
            bridge.connection_id, urls[URL_KEY], token, urls.get(LAST_ENTRY_URL_KEY)
        )
        if self.uses_registry(bridge):
            self.register(bridge, self.stack, f"Registry-{bridge.connection_id}", urls, token)

    def send(self, bridge: Bridge) -> dict[str, str]:
        """The sending function's settings: <prefix>_URL (and _LAST_ENTRY_URL), <prefix>_TOKEN_SECRET."""
        self.check_sending(bridge)
        urls, token = self.receiver_endpoint(bridge, f"Registry-{bridge.connection_id}")
        settings = {bridge.url_setting(key): urls[key] for key in bridge.endpoint_keys}
        settings[bridge.token_setting] = self._secret(bridge, "outbound", token).name
        return settings

    def _secret(self, bridge: Bridge, direction: str, token: str) -> TokenSecret:
        self.stack.require_apis(SECRET_API)
        return TokenSecret(
            self.stack,
            f"TokenSecret-{bridge.connection_id}",
            TokenSecretProps(
                secret_id=f"{slug(self.ctx.twin)}-{bridge.connection_id}-{direction}-token",
                value=token,
                readers=(self.stack.account.member,),
                labels=(("connection", bridge.connection_id.replace("_", "-")),),
            ),
        )
