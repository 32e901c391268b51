"""Both sides of a bridge on AWS (the rules: cdk_app/stacks/bridge_rules.py).

Receive: public Function URLs guarded by a generated token (Secrets Manager), both published to
the connection registry (SSM Parameter Store + Secrets Manager). Send: the registry's URL,
resolved by CloudFormation at deploy time, and the token secret's name in the function's
environment, with read access to that one secret (or, for Grafana, in the stack's outputs).
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from cdk_app.stacks.bridge_rules import BridgeEndpoints
from twin_model.topology import Bridge
from constructs_lib.aws.inter_cloud_receiver import InterCloudReceiver, InterCloudReceiverProps
from constructs_lib.aws.inter_cloud_sender import InterCloudSender, InterCloudSenderProps
from twin_contract.registry import URL_KEY, token_secret_name


class AwsBridgeEndpoints(BridgeEndpoints):
    def receive(
        self, bridge: Bridge, endpoints: Mapping[str, lambda_.IFunction], scope: Construct, id: str = "Endpoint"
    ) -> InterCloudReceiver:
        """Function URLs for `endpoints` (registry key → function) under `scope`, published to the registry."""
        self.check_receiving(bridge, endpoints)
        return InterCloudReceiver(
            scope,
            id,
            InterCloudReceiverProps(
                twin_name=self.ctx.twin,
                connection_id=bridge.connection_id,
                endpoints=tuple((key, endpoints[key]) for key in bridge.endpoint_keys),
                debug=self.ctx.debug,
            ),
        )

    def send(self, bridge: Bridge, function: lambda_.Function, url_key: str = URL_KEY) -> None:
        """`function` calls the receiver's `url_key` endpoint: its URL and token secret in the environment."""
        self.check_sending(bridge)
        sender = InterCloudSender(
            function,
            f"Bridge-{bridge.connection_id}-{url_key}",
            InterCloudSenderProps(self.ctx.twin, bridge.connection_id, url_key),
        )
        function.add_environment(bridge.url_setting(), sender.url)
        function.add_environment(bridge.token_setting, sender.token_secret.secret_name)
        sender.token_secret.grant_read(function)

    def consume(self, bridge: Bridge, scope: Construct) -> dict[str, str]:
        """A sender that is not a function (Grafana's data source): the settings as deploy-time values,
        URLs resolved from the registry and the token secret's name, for the stack's outputs."""
        self.check_sending(bridge)
        settings = {
            bridge.url_setting(key): InterCloudSender(
                scope, f"Bridge-{bridge.connection_id}-{key}", InterCloudSenderProps(self.ctx.twin, bridge.connection_id, key)
            ).url
            for key in bridge.endpoint_keys
        }
        settings[bridge.token_setting] = token_secret_name(self.ctx.twin, bridge.connection_id)
        return settings

    def sender_of(self, bridge: Bridge, url_key: str = URL_KEY):
        """`send` for a construct that creates the sending function itself (it calls this with it)."""
        return lambda function: self.send(bridge, function, url_key)
