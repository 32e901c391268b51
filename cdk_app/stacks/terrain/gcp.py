"""Google Cloud layer stacks (CDK Terrain)."""

from __future__ import annotations

from collections.abc import Mapping

from cdktn import TerraformStack
from constructs import Construct

from cdk_app.config.model import Layer
from cdk_app.stacks.context import LayerContext
from cdk_app.stacks.terrain.settings import TerrainSettings


class GcpLayerStack(TerraformStack):
    """A Terraform stack on Google Cloud for one layer; `built` holds the Terraform stacks deployed before it."""

    def __init__(
        self,
        scope: Construct,
        ctx: LayerContext,
        *,
        settings: TerrainSettings,
        built: Mapping[Layer, TerraformStack],
    ) -> None:
        super().__init__(scope, ctx.stack_name)
        from cdktn_provider_google.provider import GoogleProvider  # heavy: only when GCP is used

        # Credentials come from application-default credentials, never from project files.
        GoogleProvider(self, "google", project=settings.gcp_project, region=settings.gcp_region)
        self.ctx = ctx
        self.settings = settings
        self.built = built
