"""The one base of every Terraform (CDK Terrain) layer stack, whichever cloud it is on.

It holds what all of them share: the layer's context and settings, the AWS provider for the
connection registry (created only when a bridge needs it), files written next to the stack for
post-deploy steps, and the typed `outputs` later stacks read. A cloud's base class adds its
provider and shared resources; a layer stack builds in `__init__` and sets `outputs`; the builder
calls `complete()` once the stack is built (cdk_app/stacks/terraform/__init__.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cdktn import App, TerraformStack
from constructs import Construct

from cdk_app.stacks.context import LayerContext
from cdk_app.stacks.outputs import LayerOutputs
from cdk_app.stacks.terraform.terraform_settings import TerraformSettings


class TerraformLayerStack(TerraformStack):
    outputs: LayerOutputs

    def __init__(self, scope: Construct, ctx: LayerContext, *, settings: TerraformSettings) -> None:
        super().__init__(scope, ctx.stack_name)
        self.ctx = ctx
        self.settings = settings
        self.twin = ctx.twin
        self.debug = ctx.debug
        self._aws_provider: object | None = None

    def aws_registry_provider(self) -> object:
        """The AWS provider for the connection registry (SSM Parameter Store, Secrets Manager).

        Credentials come from the AWS credential chain (profile, environment), never from project files.
        """
        if self._aws_provider is None:
            from cdktn_provider_aws.provider import AwsProvider  # heavy: only when a registry is used

            self._aws_provider = AwsProvider(self, "aws", region=self.settings.aws_region)
        return self._aws_provider

    def write_deploy_file(self, relative: str, content: Any) -> Path:
        """Write `content` (JSON) to <tf outdir>/stacks/<stack>/<relative> for a post-deploy step."""
        path = Path(App.of(self).outdir) / "stacks" / self.ctx.stack_name / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content, indent=2, sort_keys=False) + "\n", encoding="utf-8")
        return path

    def complete(self) -> None:
        """Called once after the layer is built: what depends on everything the layer made."""
