"""The bridge endpoints of the Terraform clouds (Azure, Google Cloud): how a receiver publishes its
URLs and token and how a sender finds them, the AWS registry when either side is AWS, else the
receiver stack's typed outputs (docs/design.md, "Bridges")."""

from __future__ import annotations

from collections.abc import Mapping

from constructs import Construct

from cdk_app.stacks.bridge_rules import BridgeEndpoints
from twin_model.topology import Bridge
from constructs_lib.aws_registry import RegistryEntry, RegistryEntryProps, RegistryLookup, RegistryLookupProps
from constructs_lib.inter_cloud_endpoint import InterCloudEndpoint
from twin_contract.registry import LAST_ENTRY_URL_KEY, URL_KEY


class TerraformBridgeEndpoints(BridgeEndpoints):
    cloud_title = ""  # in the registry entries' descriptions

    def __init__(self, stack) -> None:  # a TerraformLayerStack
        super().__init__(stack.ctx)
        self.stack = stack
        self.published: dict[str, InterCloudEndpoint] = {}

    def register(self, bridge: Bridge, scope: Construct, scope_id: str, urls: Mapping[str, str], token: str) -> None:
        """URLs and token into the AWS registry, for (or from) the AWS side of `bridge`."""
        self.stack.aws_registry_provider()
        RegistryEntry(
            scope,
            scope_id,
            RegistryEntryProps(
                twin_name=self.ctx.twin,
                connection_id=bridge.connection_id,
                urls=tuple((key, urls[key]) for key in bridge.endpoint_keys),
                token=token,
                cloud_title=self.cloud_title,
                debug=self.ctx.debug,
            ),
        )

    def receiver_endpoint(self, bridge: Bridge, registry_scope_id: str) -> tuple[Mapping[str, str], str]:
        """The receiver's URLs (registry key → URL) and token, as Terraform references."""
        if self.uses_registry(bridge):
            self.stack.aws_registry_provider()
            lookup = RegistryLookup(
                self.stack, registry_scope_id, RegistryLookupProps(self.ctx.twin, bridge.connection_id, bridge.endpoint_keys)
            )
            return lookup.urls, lookup.token
        endpoint = self.published_endpoint(bridge)
        return {URL_KEY: endpoint.url, LAST_ENTRY_URL_KEY: endpoint.last_entry_url}, endpoint.token
