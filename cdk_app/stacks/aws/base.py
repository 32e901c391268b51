"""Common base of the AWS layer stacks: naming, tags, bundles, bridge endpoints, typed outputs, monitoring."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from aws_cdk import Environment, Stack, Tags
from aws_cdk import aws_s3 as s3
from constructs import Construct

from twin_model.config.model import Layer, Provider
from cdk_app.stacks.aws.bridge_endpoints import AwsBridgeEndpoints
from cdk_app.stacks.aws.monitoring import add_monitoring
from cdk_app.stacks.context import LayerContext
from cdk_app.stacks.outputs import LayerOutputs
from constructs_lib.aws.destination import Local, Remote
from constructs_lib.aws.l3_mover_writer import MoverWriter, MoverWriterProps
from twin_contract.functions import FunctionRole
from twin_contract.registry import URL_KEY

R = TypeVar("R")


class AwsLayerStack(Stack):
    """One CloudFormation stack per layer. Subclasses build in `__init__` and set `outputs`; the
    builder then calls `complete()`."""

    outputs: LayerOutputs

    def __init__(self, scope: Construct, ctx: LayerContext, *, env: Environment) -> None:
        super().__init__(
            scope,
            ctx.stack_name,
            stack_name=ctx.stack_name,  # also inside a pipeline stage, where ids get prefixed
            env=env,
            description=f"Digital twin {ctx.twin}: {ctx.stack.title}",
        )
        self.ctx = ctx
        self.bundles = ctx.bundles.for_cloud(Provider.AWS)
        self.bridges = AwsBridgeEndpoints(ctx, self)
        Tags.of(self).add("digital-twin", ctx.twin)
        Tags.of(self).add("digital-twin-layer", ctx.stack.suffix)

    def complete(self) -> None:
        """Called once after the layer is built (cdk_app/stacks/aws/__init__.py): alarms on what the
        layer made, and the cloud's alarm channel or dashboard where this stack holds them. Every
        bridge with an end here must have been bound by then."""
        self.bridges.check_bound()
        self.outputs = replace(self.outputs, health=add_monitoring(self))

    def destination(self, tier: Layer, sender: FunctionRole, local: Callable[[], R]) -> Local[R] | Remote:
        """Where the `sender` function of this stack writes `tier`: over its bridges when one enters
        the tier (the tier is on another cloud), else to the AWS resource `local` returns."""
        return Remote(self.bridges.sender(sender)) if self.bridges.reaches(tier) else Local(local())

    def mover_writer(self, id: str, role: FunctionRole, bucket: s3.IBucket, bucket_setting: str) -> MoverWriter:
        """The receiver of a mover bridge (hot → cold, cold → archive): payloads into `bucket`;
        `role` names the function (its `<role>` IAM role name) and the bridge it receives."""
        return MoverWriter(
            self,
            id,
            MoverWriterProps(
                twin_name=self.ctx.twin,
                bundle=self.bundles.runtime,
                role_name=role.route,
                bucket=bucket,
                bucket_variable=bucket_setting,
                receive=lambda function, scope: self.bridges.bind_receiver(role, {URL_KEY: function}, scope),
                debug=self.ctx.config.twin.debug,
            ),
        )
