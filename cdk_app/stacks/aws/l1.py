"""L1 ingestion on AWS: the device fleet (policy, provisioning, CA secret), the telemetry rule and the dispatcher.

The dispatcher invokes the L2 processor directly when L2 is on AWS; otherwise it hands records to
the Connector, which sends them over the L1→L2 bridge to the other cloud's Ingestion.
"""

from __future__ import annotations

from aws_cdk import aws_lambda as lambda_
from aws_cdk import Environment
from constructs import Construct

from twin_model.config.model import Layer
from cdk_app.stacks.aws.base import AwsLayerStack
from cdk_app.stacks.aws.outputs import AwsIngestionOutputs, AwsProcessingOutputs
from constructs_lib.aws.l1_device_fleet import DeviceFleet, DeviceFleetProps
from constructs_lib.aws.l1_telemetry_rule import TelemetryRule, TelemetryRuleProps
from constructs_lib.aws.twin_function import TwinFunction, TwinFunctionProps
from twin_contract import functions as contract
from cdk_app.stacks.context import LayerContext


class L1Stack(AwsLayerStack):
    """Holds `devices` (DeviceFleet), `telemetry_rule`, and the functions `dispatcher` and
    `connector` (None when L2 is on AWS)."""

    def __init__(self, scope: Construct, ctx: LayerContext, **kwargs: Environment) -> None:
        super().__init__(scope, ctx, **kwargs)
        ctx = self.ctx
        self.devices = DeviceFleet(self, "Devices", DeviceFleetProps(ctx.twin, ctx.debug))
        self.connector = self._connector() if self.bridges.outbound(contract.CONNECTOR) else None
        target = self.connector or ctx.upstream.require(Layer.L2, AwsProcessingOutputs, ctx.stack_name).processor
        self.dispatcher = self._function(
            "Dispatcher", "dispatcher", {contract.TARGET_FUNCTION_NAME: target.function_name}, "IoT telemetry → L2"
        )
        target.grant_invoke_latest_version(self.dispatcher)
        self.telemetry_rule = TelemetryRule(self, "TelemetryRule", TelemetryRuleProps(ctx.twin, self.dispatcher, ctx.debug))
        self.outputs = AwsIngestionOutputs()

    def _connector(self) -> lambda_.Function:
        l2_cloud = self.ctx.topology.cloud(Layer.L2).value
        connector = self._function("Connector", "connector", {}, f"L1 → {l2_cloud} L2 Ingestion")
        self.bridges.bind_sender(contract.CONNECTOR, connector)
        return connector

    def _function(self, id: str, role_name: str, environment: dict[str, str], purpose: str) -> lambda_.Function:
        """An asynchronously invoked function of this layer (IoT and the dispatcher invoke async)."""
        return TwinFunction(
            self,
            id,
            TwinFunctionProps(
                twin_name=self.ctx.twin,
                role_name=role_name,
                bundle=self.bundles.runtime,
                environment=environment,
                debug=self.ctx.debug,
                async_failure_queue=True,
                description=f"{self.ctx.twin} {role_name}: {purpose}",
            ),
        ).function
