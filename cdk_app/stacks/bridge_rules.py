"""The one interface of a bridge's two ends, on every cloud (docs/design.md, "Bridges").

Modelled on aws-cdk-lib's `IEventSource.bind(target)`: a stack asks its cloud's `BridgeEnds` to
bind the functions it built to a bridge the topology made, and the ends do the rest, on the same
three calls everywhere (`cdk_app/stacks/<cloud>/bridge_endpoints.py`):
- `token_secret(bridge)`: the name of the secret holding the token of a bridge received here, for
  the receiving functions' settings (settings are fixed before the URLs exist; the token is made
  on first use);
- `receive(bridge, endpoints)`: guard the endpoints (registry key → the cloud's function or URL)
  with the token and publish URLs and token where the sender's stack finds them (the AWS registry
  when either side is AWS, else the receiver stack's typed outputs, `published`);
- `send(bridge, caller)`: give the caller (a function, or the settings it will be created with)
  the receiver's URL(s) and the name of its own copy of the token (`<prefix>_URL`,
  `<prefix>_TOKEN_SECRET`), never the value.
Tokens, URLs and registry entries are the ends' business, not the stack's. One failure policy:
a bridge bound on the wrong stack, a receiver without the endpoints its bridge needs, or a sender
whose receiver published nothing stops the synth (BridgeWiringError).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol, TypeVar

from constructs import Construct

from cdk_app.stacks.context import LayerContext
from cdk_app.stacks.outputs import LayerWiringError
from constructs_lib.inter_cloud_endpoint import InterCloudEndpoint
from twin_model.config.model import Provider
from twin_model.topology import Bridge

Endpoint = TypeVar("Endpoint", contravariant=True)
Caller = TypeVar("Caller", contravariant=True)


class BridgeWiringError(LayerWiringError):
    """A bridge that cannot be built as the topology says: synth stops with the reason."""


class BridgeEnds(Protocol[Endpoint, Caller]):
    """A cloud's ends of the twin's bridges in one stack. `Endpoint`: what receives (an AWS
    function, a Terraform URL reference); `Caller`: what sends (an AWS function, or the settings
    a Terraform function will be created with)."""

    def token_secret(self, bridge: Bridge) -> str: ...

    def receive(self, bridge: Bridge, endpoints: Mapping[str, Endpoint], scope: Construct | None = None) -> None: ...

    def send(self, bridge: Bridge, caller: Caller, url_key: str | None = None) -> None:
        """`url_key` None: every endpoint of the bridge, each in its setting; a key: that endpoint
        in `<prefix>_URL` (a function per endpoint, as AWS's readers)."""
        ...


class BridgeRules:
    """The checks and the receiver lookup every cloud's ends share."""

    def __init__(self, ctx: LayerContext) -> None:
        self.ctx = ctx

    def check_receiver(self, bridge: Bridge) -> None:
        if bridge.receiver_layer is not self.ctx.layer or bridge.receiver_part is not self.ctx.part:
            receiver = bridge.receiver_part.title if bridge.receiver_part else bridge.receiver_layer.title
            raise BridgeWiringError(f"{self.ctx.stack_name} cannot receive {bridge.connection_id}: its receiver is {receiver}")

    def check_receiving(self, bridge: Bridge, keys: Iterable[str]) -> None:
        self.check_receiver(bridge)
        missing = sorted(set(bridge.endpoint_keys) - set(keys))
        if missing:
            raise BridgeWiringError(f"{self.ctx.stack_name}: {bridge.connection_id} needs endpoints for {', '.join(missing)}")

    def check_sending(self, bridge: Bridge, url_key: str | None = None) -> tuple[str, ...]:
        """The endpoint keys the caller gets: all of the bridge's, or `url_key` alone."""
        if bridge.sender_layer is not self.ctx.layer or self.ctx.part is not None:
            raise BridgeWiringError(
                f"{self.ctx.stack_name} cannot send on {bridge.connection_id}: its sender is {bridge.sender_layer.title}"
            )
        if url_key is None:
            return bridge.endpoint_keys
        if url_key not in bridge.endpoint_keys:
            raise BridgeWiringError(f"{self.ctx.stack_name}: {bridge.connection_id} has no {url_key} endpoint")
        return (url_key,)

    @staticmethod
    def url_settings(bridge: Bridge, urls: Mapping[str, str], keys: tuple[str, ...]) -> dict[str, str]:
        """`<prefix>_URL` (…_LAST_ENTRY_URL) for every key; a single key is the caller's `<prefix>_URL`."""
        if len(keys) == 1:
            return {bridge.url_setting(): urls[keys[0]]}
        return {bridge.url_setting(key): urls[key] for key in keys}

    @staticmethod
    def uses_registry(bridge: Bridge) -> bool:
        """Across the CloudFormation/Terraform boundary the AWS registry carries URL and token."""
        return Provider.AWS in (bridge.sender_cloud, bridge.receiver_cloud)

    def published_endpoint(self, bridge: Bridge) -> InterCloudEndpoint:
        """Terraform → Terraform: what the receiver's stack published (a cross-stack reference)."""
        return self.ctx.upstream.endpoint(
            bridge.receiver_layer, bridge.connection_id, self.ctx.stack_name, bridge.receiver_part
        )
