"""Google Cloud's ends of a bridge (the interface and its rules: cdk_app/stacks/bridge_rules.py).

Receive: a generated token in Secret Manager (readable by the layer's account only) guards public
functions that check it in code; URL and token go to the AWS registry for an AWS sender, or into
the stack's outputs for a sender on Azure. Send: the receiver's URL(s) as settings and its token
copied into this layer's own Secret Manager secret, from the registry or the receiver's outputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from constructs import Construct

from cdk_app.stacks.terraform.bridge_endpoints import TerraformBridgeEndpoints
from constructs_lib.gcp.naming import slug
from constructs_lib.gcp.token_secret import TokenSecret, TokenSecretProps
from constructs_lib.tokens import generated_token
from twin_model.topology import Bridge

if TYPE_CHECKING:
    from cdk_app.stacks.gcp.base import GcpLayerStack

SECRET_API = "secretmanager.googleapis.com"


class GcpBridgeEndpoints(TerraformBridgeEndpoints):
    cloud_title = "Google Cloud"

    def __init__(self, stack: GcpLayerStack) -> None:
        super().__init__(stack)
        self.gcp = stack
        self._tokens: dict[str, tuple[str, str]] = {}  # connection id → (token, its secret's name)

    def token_secret(self, bridge: Bridge) -> str:
        """The token is generated here on first use and kept in a secret of its own."""
        self.check_receiver(bridge)
        if bridge.connection_id not in self._tokens:
            token = generated_token(self.gcp, f"Token-{bridge.connection_id}")
            self._tokens[bridge.connection_id] = (token, self._secret(bridge, "inbound", token))
        return self._tokens[bridge.connection_id][1]

    def _inbound_token(self, bridge: Bridge, urls: Mapping[str, str]) -> tuple[str, Construct, str]:
        self.token_secret(bridge)
        return self._tokens[bridge.connection_id][0], self.gcp, f"Registry-{bridge.connection_id}"

    def _registry_lookup_id(self, bridge: Bridge) -> str:
        return f"Registry-{bridge.connection_id}"

    def _outbound_token_secret(self, bridge: Bridge, token: str) -> str:
        return self._secret(bridge, "outbound", token)

    def _secret(self, bridge: Bridge, direction: str, token: str) -> str:
        self.gcp.require_apis(SECRET_API)
        secret = TokenSecret(
            self.gcp,
            f"TokenSecret-{bridge.connection_id}",
            TokenSecretProps(
                secret_id=f"{slug(self.ctx.twin)}-{bridge.connection_id}-{direction}-token",
                value=token,
                readers=(self.gcp.account.member,),
                labels=(("connection", bridge.connection_id.replace("_", "-")),),
            ),
        )
        return secret.name
