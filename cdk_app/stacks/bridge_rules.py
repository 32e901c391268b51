"""Rules every cloud's bridge endpoints keep (docs/design.md, "Bridges").

Each cloud implements the two sides in one module, `cdk_app/stacks/<cloud>/bridge_endpoints.py`:
- receive: generate the connection's token, guard the endpoint functions with it, and publish
  URL and token where the sender's stack reads them (the AWS registry when either side is AWS,
  the stack's typed outputs for a sender on the other Terraform cloud);
- send: read the receiver's URL and token from there and put them into the sending function's
  settings (`<prefix>_URL`, `<prefix>_TOKEN_SECRET`: a secret name, never the value).
One failure policy for all: a bridge wired on the wrong stack, a receiver without the endpoints
its bridge needs, or a sender whose receiver published nothing stops the synth (BridgeWiringError).
"""

from __future__ import annotations

from collections.abc import Iterable

from twin_model.config.model import Provider
from cdk_app.stacks.context import LayerContext
from cdk_app.stacks.outputs import LayerWiringError
from twin_model.topology import Bridge
from constructs_lib.inter_cloud_endpoint import InterCloudEndpoint


class BridgeWiringError(LayerWiringError):
    """A bridge that cannot be built as the topology says: synth stops with the reason."""


class BridgeEndpoints:
    """The checks and the receiver lookup shared by every cloud's implementation."""

    def __init__(self, ctx: LayerContext) -> None:
        self.ctx = ctx

    def check_receiving(self, bridge: Bridge, keys: Iterable[str]) -> None:
        if bridge.receiver_layer is not self.ctx.layer or bridge.receiver_part is not self.ctx.part:
            receiver = bridge.receiver_part.title if bridge.receiver_part else bridge.receiver_layer.title
            raise BridgeWiringError(f"{self.ctx.stack_name} cannot receive {bridge.connection_id}: its receiver is {receiver}")
        missing = sorted(set(bridge.endpoint_keys) - set(keys))
        if missing:
            raise BridgeWiringError(f"{self.ctx.stack_name}: {bridge.connection_id} needs endpoints for {', '.join(missing)}")

    def check_sending(self, bridge: Bridge) -> None:
        if bridge.sender_layer is not self.ctx.layer or self.ctx.part is not None:
            raise BridgeWiringError(
                f"{self.ctx.stack_name} cannot send on {bridge.connection_id}: its sender is {bridge.sender_layer.title}"
            )

    @staticmethod
    def uses_registry(bridge: Bridge) -> bool:
        """Across the CloudFormation/Terraform boundary the AWS registry carries URL and token."""
        return Provider.AWS in (bridge.sender_cloud, bridge.receiver_cloud)

    def published_endpoint(self, bridge: Bridge) -> InterCloudEndpoint:
        """Terraform → Terraform: what the receiver's stack published (a cross-stack reference)."""
        return self.ctx.upstream.endpoint(
            bridge.receiver_layer, bridge.connection_id, self.ctx.stack_name, bridge.receiver_part
        )
