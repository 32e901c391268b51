"""The bridge ends of the Terraform clouds (Azure, Google Cloud): where a receiver publishes its
URLs and token and where a sender finds them, the AWS registry when either side is AWS, else the
receiver stack's typed outputs (docs/design.md, "Bridges"). A cloud adds how it keeps the token."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping, MutableMapping

from constructs import Construct

from cdk_app.stacks.bridge_rules import BridgeRules
from cdk_app.stacks.terraform.base import TerraformLayerStack
from constructs_lib.aws_registry import RegistryEntry, RegistryEntryProps, RegistryLookup, RegistryLookupProps
from constructs_lib.inter_cloud_endpoint import InterCloudEndpoint
from twin_model.topology import Bridge


class TerraformBridgeEndpoints(BridgeRules[str, MutableMapping[str, str]]):
    """`BridgeEnds[str, MutableMapping[str, str]]`: receivers are URL references, senders the settings
    their function will be created with. `published`: this stack's endpoints for the outputs."""

    cloud_title = ""  # in the registry entries' descriptions

    def __init__(self, stack: TerraformLayerStack) -> None:
        super().__init__(stack.ctx)
        self.stack = stack
        self.published: dict[str, InterCloudEndpoint] = {}

    @abstractmethod
    def token_secret(self, bridge: Bridge) -> str: ...

    @abstractmethod
    def _inbound_token(self, bridge: Bridge, urls: Mapping[str, str]) -> tuple[str, Construct, str]:
        """The token of a bridge received here (a Terraform reference), and the scope and id of its
        registry entry."""

    @abstractmethod
    def _outbound_token_secret(self, bridge: Bridge, token: str) -> str:
        """This cloud's copy of a receiver's token, for the sending function; returns its secret's name."""

    def receive(self, bridge: Bridge, endpoints: Mapping[str, str], scope: Construct | None = None) -> None:
        """`scope` is AWS's (its receivers are constructs); a Terraform cloud places the resources itself."""
        self.check_receiving(bridge, endpoints)
        urls = {key: endpoints[key] for key in bridge.endpoint_keys}
        token, registry_scope, registry_id = self._inbound_token(bridge, urls)
        self.published[bridge.connection_id] = InterCloudEndpoint(bridge.connection_id, urls, token)
        if self.uses_registry(bridge):
            self.stack.aws_registry_provider()
            RegistryEntry(
                registry_scope,
                registry_id,
                RegistryEntryProps(
                    twin_name=self.ctx.twin,
                    connection_id=bridge.connection_id,
                    urls=tuple(urls.items()),
                    token=token,
                    cloud_title=self.cloud_title,
                    debug=self.ctx.debug,
                ),
            )

    def send(self, bridge: Bridge, caller: MutableMapping[str, str], url_key: str | None = None) -> None:
        keys = self.check_sending(bridge, url_key)
        urls, token = self._receiver_endpoint(bridge)
        caller.update(self.url_settings(bridge, urls, keys))
        caller[bridge.token_setting] = self._outbound_token_secret(bridge, token)

    def _receiver_endpoint(self, bridge: Bridge) -> tuple[Mapping[str, str], str]:
        """The receiver's URLs (registry key → URL) and token, as Terraform references."""
        if self.uses_registry(bridge):
            self.stack.aws_registry_provider()
            lookup = RegistryLookup(
                self.stack,
                self._registry_lookup_id(bridge),
                RegistryLookupProps(self.ctx.twin, bridge.connection_id, bridge.endpoint_keys),
            )
            return lookup.urls, lookup.token
        endpoint = self.published_endpoint(bridge)
        return endpoint.urls, endpoint.token

    @abstractmethod
    def _registry_lookup_id(self, bridge: Bridge) -> str:
        """The construct id of a sender's registry lookup."""
