"""Common base of the AWS layer stacks: naming, tags and the stacks built before this one."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Environment, Stack, Tags
from constructs import Construct

from cdk_app.bundles import Bundles
from cdk_app.config.model import Layer
from cdk_app.stacks.context import LayerContext

LAYER_TITLES = {
    Layer.L1: "L1 ingestion",
    Layer.L2: "L2 processing",
    Layer.L3_HOT: "L3 hot storage",
    Layer.L3_COLD: "L3 cold storage",
    Layer.L3_ARCHIVE: "L3 archive storage",
    Layer.L4: "L4 digital twin",
    Layer.L5: "L5 dashboards",
}


class AwsLayerStack(Stack):
    """One CloudFormation stack per layer; `built` holds the AWS stacks deployed before it."""

    def __init__(
        self,
        scope: Construct,
        ctx: LayerContext,
        *,
        env: Environment,
        bundles: Bundles,
        built: Mapping[Layer, "AwsLayerStack"],
    ) -> None:
        super().__init__(
            scope,
            ctx.stack_name,
            stack_name=ctx.stack_name,  # also inside a pipeline stage, where ids get prefixed
            env=env,
            description=f"Digital twin {ctx.twin}: {LAYER_TITLES[ctx.layer]}",
        )
        self.ctx = ctx
        self.bundles = bundles
        self.built = built
        Tags.of(self).add("digital-twin", ctx.twin)
        Tags.of(self).add("digital-twin-layer", ctx.layer.value)
