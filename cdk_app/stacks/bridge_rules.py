"""The one interface of a bridge's two ends, on every cloud (docs/design.md, "Bridges").

Modelled on aws-cdk-lib's `IEventSource.bind(target)`. A stack never names a bridge kind: it
registers the functions it builds by role (twin_contract/functions.py), and its cloud's
`BridgeEnds` bind every bridge of the topology that has an end in this stack to the function of
the role the bridge's row names (`BridgeSpec.sender_role`/`receiver_role`):
- `inbound(role)` / `outbound(role)`: the bridge a role receives here, the bridges it sends on
  (whether the stack builds that function at all);
- `inbound_token(role)`: the name of the secret holding the token of the bridge the role
  receives, for the function's settings (settings are fixed before the URLs exist);
- `bind_receiver(role, endpoints)` / `bind_sender(role, caller)`: bind every bridge of the role;
- `reaches(layer)`: a bridge from this stack enters `layer` (a tier on another cloud).
Under them, the same three calls per bridge on every cloud
(`cdk_app/stacks/<cloud>/bridge_endpoints.py`):
- `token_secret(bridge)`: the name of the secret holding the token of a bridge received here (the
  token is made on first use);
- `receive(bridge, endpoints)`: guard the endpoints (registry key → the cloud's function or URL)
  with the token and publish URLs and token where the sender's stack finds them (the AWS registry
  when either side is AWS, else the receiver stack's typed outputs, `published`);
- `send(bridge, caller)`: give the caller (a function, or the settings it will be created with)
  the receiver's URL(s) and the name of its own copy of the token (`<prefix>_URL`,
  `<prefix>_TOKEN_SECRET`), never the value.
Tokens, URLs and registry entries are the ends' business, not the stack's. One failure policy:
a bridge bound on the wrong stack, a receiver without the endpoints its bridge needs, a sender
whose receiver published nothing, or a bridge with an end in a stack that bound no function to it
(`check_bound`, when the stack completes) stops the synth (BridgeWiringError).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Generic, Protocol, TypeVar

from constructs import Construct

from cdk_app.stacks.context import LayerContext
from cdk_app.stacks.outputs import LayerWiringError
from constructs_lib.inter_cloud_endpoint import InterCloudEndpoint
from twin_contract.functions import FunctionRole
from twin_model.config.model import Layer, Provider
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


class BridgeRules(Generic[Endpoint, Caller]):
    """The checks, the role lookups and the role bindings every cloud's ends share; a cloud
    implements the three calls of `BridgeEnds` (`token_secret`, `receive`, `send`)."""

    def __init__(self, ctx: LayerContext) -> None:
        self.ctx = ctx
        self._received: set[str] = set()  # connection ids bound here, for `check_bound`
        self._sent: set[str] = set()

    # -- the three calls, per cloud ----------------------------------------------------------

    def token_secret(self, bridge: Bridge) -> str:
        raise NotImplementedError

    def receive(self, bridge: Bridge, endpoints: Mapping[str, Endpoint], scope: Construct | None = None) -> None:
        raise NotImplementedError

    def send(self, bridge: Bridge, caller: Caller, url_key: str | None = None) -> None:
        raise NotImplementedError

    # -- roles: what a stack asks and binds ----------------------------------------------------

    def receives_here(self, bridge: Bridge) -> bool:
        return bridge.receiver_layer is self.ctx.layer and bridge.receiver_part is self.ctx.part

    def sends_here(self, bridge: Bridge) -> bool:
        return bridge.sender_layer is self.ctx.layer and self.ctx.part is None

    def inbound(self, role: FunctionRole) -> Bridge | None:
        """The bridge `role` receives in this stack, if the topology made one (the stack builds
        the receiving function only then). A function receives one connection: one token setting."""
        found = [b for b in self.ctx.topology.bridges if b.receiver_role is role and self.receives_here(b)]
        if len(found) > 1:
            ids = ", ".join(b.connection_id for b in found)
            raise BridgeWiringError(f"{self.ctx.stack_name}: the {role.name} function would receive {ids}: one bridge per receiver")
        return found[0] if found else None

    def outbound(self, role: FunctionRole) -> tuple[Bridge, ...]:
        """The bridges `role` sends on from this stack, in the topology's order."""
        return tuple(b for b in self.ctx.topology.bridges if b.sender_role is role and self.sends_here(b))

    def reaches(self, layer: Layer) -> bool:
        """A bridge from this stack enters `layer`: that tier is on another cloud, reached over it."""
        return any(b.receiver_layer is layer for b in self.ctx.topology.bridges if self.sends_here(b))

    def inbound_token(self, role: FunctionRole) -> str:
        """`token_secret` of the bridge `role` receives here (the stack asked `inbound` first)."""
        return self.token_secret(self.required_inbound(role))

    def bind_receiver(self, role: FunctionRole, endpoints: Mapping[str, Endpoint], scope: Construct | None = None) -> Bridge | None:
        """`receive` the bridge `role` receives here, if any, at `endpoints`."""
        bridge = self.inbound(role)
        if bridge is not None:
            self.receive(bridge, endpoints, scope)
        return bridge

    def bind_sender(self, role: FunctionRole, caller: Caller, url_key: str | None = None) -> tuple[Bridge, ...]:
        """`send` every bridge `role` sends on from here to `caller`; returns them."""
        bridges = self.outbound(role)
        for bridge in bridges:
            self.send(bridge, caller, url_key)
        return bridges

    def sender(self, role: FunctionRole, url_key: str | None = None) -> Callable[[Caller], None]:
        """`bind_sender` for a construct that creates the sending function itself (it calls this with it)."""

        def bind(caller: Caller) -> None:
            self.bind_sender(role, caller, url_key)

        return bind

    def check_bound(self) -> None:
        """Every bridge with an end in this stack was bound: a role the stack never registered
        would leave a connection without its endpoint or caller."""
        for bridge in self.ctx.topology.bridges:
            if self.receives_here(bridge) and bridge.connection_id not in self._received:
                raise BridgeWiringError(
                    f"{self.ctx.stack_name}: nothing received {bridge.connection_id}: "
                    f"no {bridge.receiver_role.name} function was bound to it"
                )
            if self.sends_here(bridge) and bridge.connection_id not in self._sent:
                raise BridgeWiringError(
                    f"{self.ctx.stack_name}: nothing sends on {bridge.connection_id}: no {bridge.sender_role.name} was bound to it"
                )

    def required_inbound(self, role: FunctionRole) -> Bridge:
        """The bridge `role` receives here, for a stack that exists only to receive it (a part)."""
        bridge = self.inbound(role)
        if bridge is None:
            raise BridgeWiringError(f"{self.ctx.stack_name}: the {role.name} function receives no bridge here")
        return bridge

    # -- the checks every cloud's calls make -----------------------------------------------------

    def check_receiver(self, bridge: Bridge) -> None:
        if not self.receives_here(bridge):
            receiver = bridge.receiver_part.title if bridge.receiver_part else bridge.receiver_layer.title
            raise BridgeWiringError(f"{self.ctx.stack_name} cannot receive {bridge.connection_id}: its receiver is {receiver}")

    def check_receiving(self, bridge: Bridge, keys: Iterable[str]) -> None:
        self.check_receiver(bridge)
        missing = sorted(set(bridge.endpoint_keys) - set(keys))
        if missing:
            raise BridgeWiringError(f"{self.ctx.stack_name}: {bridge.connection_id} needs endpoints for {', '.join(missing)}")
        self._received.add(bridge.connection_id)

    def check_sending(self, bridge: Bridge, url_key: str | None = None) -> tuple[str, ...]:
        """The endpoint keys the caller gets: all of the bridge's, or `url_key` alone."""
        if not self.sends_here(bridge):
            raise BridgeWiringError(
                f"{self.ctx.stack_name} cannot send on {bridge.connection_id}: its sender is {bridge.sender_layer.title}"
            )
        if url_key is None:
            keys = bridge.endpoint_keys
        elif url_key not in bridge.endpoint_keys:
            raise BridgeWiringError(f"{self.ctx.stack_name}: {bridge.connection_id} has no {url_key} endpoint")
        else:
            keys = (url_key,)
        self._sent.add(bridge.connection_id)
        return keys

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
