"""Common base of the AWS layer stacks: naming, tags, bundles, bridge endpoints, typed outputs."""

from __future__ import annotations

from aws_cdk import Environment, Stack, Tags
from constructs import Construct

from cdk_app.config.model import Provider
from cdk_app.stacks.aws.bridges import AwsBridgeEndpoints
from cdk_app.stacks.context import LayerContext
from cdk_app.stacks.outputs import LayerOutputs


class AwsLayerStack(Stack):
    """One CloudFormation stack per layer. Subclasses build in `__init__` and set `outputs`."""

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
        self.bridges = AwsBridgeEndpoints(ctx)
        Tags.of(self).add("digital-twin", ctx.twin)
        Tags.of(self).add("digital-twin-layer", ctx.stack.suffix)
