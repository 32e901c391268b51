"""AWS's ends of a bridge (the interface and its rules: cdk_app/stacks/bridge_rules.py).

Receive: public Function URLs guarded by a generated token (Secrets Manager), both published to
the connection registry (SSM Parameter Store + Secrets Manager). Send: the registry's URL,
resolved by CloudFormation at deploy time, and the token secret's name in the function's
environment, with read access to that one secret (or, for Grafana, in the stack's outputs).
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import TypeAlias

from aws_cdk import Stack
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from cdk_app.stacks.bridge_rules import BridgeRules
from cdk_app.stacks.context import LayerContext
from constructs_lib.aws.inter_cloud_receiver import InterCloudReceiver, InterCloudReceiverProps
from constructs_lib.aws.inter_cloud_sender import InterCloudSender, InterCloudSenderProps
from twin_contract import functions as contract
from twin_contract.registry import token_secret_name
from twin_model.topology import Bridge

# Construct ids of a receiver's registry entries where the stack itself is their scope, by the
# receiving role (functions of a construct that is no receiver of its own: the reader pairs).
_RECEIVER_IDS = {contract.HOT_READER.name: "ReaderEndpoints", contract.DASHBOARD_READER.name: "DashboardEndpoints"}

AwsCaller: TypeAlias = "lambda_.Function | MutableMapping[str, str]"


class AwsBridgeEndpoints(BridgeRules[lambda_.IFunction, AwsCaller]):
    """`BridgeEnds[lambda_.IFunction, AwsCaller]`: receivers are functions, senders a function or the
    settings of a sender that is no function (Grafana's data source, in the stack's outputs)."""

    def __init__(self, ctx: LayerContext, stack: Stack) -> None:
        super().__init__(ctx)
        self.stack = stack

    def token_secret(self, bridge: Bridge) -> str:
        """The token's secret is named by the registry; `receive` gives it to the functions."""
        self.check_receiver(bridge)
        return token_secret_name(self.ctx.twin, bridge.connection_id)

    def receive(self, bridge: Bridge, endpoints: Mapping[str, lambda_.IFunction], scope: Construct | None = None) -> None:
        """Function URLs for `endpoints` under `scope` (the receiving construct), published to the registry."""
        self.check_receiving(bridge, endpoints)
        InterCloudReceiver(
            scope or self.stack,
            "Endpoint" if scope else _RECEIVER_IDS.get(bridge.receiver_role.name, f"Endpoints-{bridge.kind.value}"),
            InterCloudReceiverProps(
                twin_name=self.ctx.twin,
                connection_id=bridge.connection_id,
                endpoints=tuple((key, endpoints[key]) for key in bridge.endpoint_keys),
                debug=self.ctx.debug,
            ),
        )

    def send(self, bridge: Bridge, caller: AwsCaller, url_key: str | None = None) -> None:
        """A function gets the URL(s) and the token secret's name in its environment and may read
        that secret; settings (a sender that is no function) get the same as deploy-time values."""
        keys = self.check_sending(bridge, url_key)
        scope: Construct = self.stack if isinstance(caller, MutableMapping) else caller
        urls = {
            key: InterCloudSender(
                scope, f"Bridge-{bridge.connection_id}-{key}", InterCloudSenderProps(self.ctx.twin, bridge.connection_id, key)
            )
            for key in keys
        }
        settings = self.url_settings(bridge, {key: sender.url for key, sender in urls.items()}, keys)
        if isinstance(caller, MutableMapping):
            caller.update(settings)
            caller[bridge.token_setting] = token_secret_name(self.ctx.twin, bridge.connection_id)
            return
        token = urls[keys[0]].token_secret
        settings[bridge.token_setting] = token.secret_name
        for name, value in settings.items():
            caller.add_environment(name, value)
        token.grant_read(caller)
