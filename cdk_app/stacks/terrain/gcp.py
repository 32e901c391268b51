"""Google Cloud layer stacks (CDK Terrain). Layer resources arrive with the GCP issue."""

from __future__ import annotations

from cdktn import TerraformStack
from constructs import Construct

from cdk_app.stacks.context import LayerContext


class GcpLayerStack(TerraformStack):
    """A Terraform stack on Google Cloud for one layer, with the google provider configured."""

    def __init__(self, scope: Construct, ctx: LayerContext, *, project: str | None, region: str) -> None:
        super().__init__(scope, ctx.stack_name)
        from cdktn_provider_google.provider import GoogleProvider  # heavy: only when GCP is used

        # Credentials come from application-default credentials, never from project files.
        GoogleProvider(self, "google", project=project, region=region)
        self.ctx = ctx
