"""Post-deploy steps: data-plane objects and local files that no IaC resource covers.

A step is declared once, in its cloud's CLOUDS entry (twin_model/clouds.py: the layer it follows,
what the pipeline's role for it allows), and its code is the module of its name here
(`aws-device-certificates` → `aws_device_certificates.py`): pure functions over injected clients,
plus `run(request, config, topology)`, which builds the real clients (boto3, Entra ID tokens,
`terraform show`) and returns the line to print, and `run_locally(local, stack)`, what `make local`
does in its place against the local stand-ins. The deploy plan (twin_model.deploy_plan) runs it
as `python -m twin_ops post-deploy <step>` right after the stack it needs, so `--dry-run` shows it
and a re-run resumes over it like any other step. Every step is idempotent.

This module stays import-light: the command line reads it without loading any cloud SDK.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from twin_model.clouds import CLOUDS
from twin_model.config.model import Layer, Provider
from twin_model.topology import Topology


class PostDeployError(RuntimeError):
    """An expected failure (missing file, undeployed stack, unusable identity): one line, no traceback."""


@dataclass(frozen=True)
class PostDeployRequest:
    step: str
    project: Path
    tf_outdir: Path = Path("cdktf.out")
    terraform: str = "terraform"
    region: str | None = None  # AWS; default AWS_REGION, else the synth default

    @property
    def aws_region(self) -> str:
        return self.region or os.environ.get("AWS_REGION") or CLOUDS[Provider.AWS].default_region

    def stack_dir(self, topology: Topology, layer: Layer) -> Path:
        """The synthesized folder of `layer`'s Terraform stack, whose state holds the deployed values."""
        stack_dir = self.tf_outdir / "stacks" / topology.stack_name(layer)
        if not stack_dir.is_dir():
            raise PostDeployError(f"{stack_dir} is missing: synthesize and deploy first (`python -m twin_ops deploy`)")
        return stack_dir


class LocalTwin(Protocol):
    """What `make local` hands a step's local counterpart (twin_ops/local/deployment.py)."""

    @property
    def platform(self) -> Any:
        """The local stand-ins of the clouds' services (twin_ops/local/standins)."""

    def stack_dir(self, stack: str) -> Path:
        """The synthesized folder of a Terraform stack."""

    def resource_names(self, stack: str, kind: str) -> list[str]:
        """The names of the stack's deployed resources of a Terraform type."""
