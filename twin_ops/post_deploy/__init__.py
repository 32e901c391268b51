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
from twin_model.config.model import Layer, ProjectConfig, Provider
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
    dry_run: bool = False  # list what the step would register and remove; change nothing

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

    @property
    def config(self) -> ProjectConfig:
        """The validated project: its devices and twin graph are data the steps load (§7a)."""

    @property
    def workdir(self) -> Path:
        """Where a step keeps what it writes for the run (device credentials, job files)."""

    def stack_dir(self, stack: str) -> Path:
        """The synthesized folder of a Terraform stack."""

    def resource_names(self, stack: str, kind: str) -> list[str]:
        """The names of the stack's deployed resources of a Terraform type."""

    def aws(self, service: str) -> Any:
        """A boto3 client of moto (or the runner's AWS stand-in)."""

    def value(self, stack: str, raw: Any) -> Any:
        """A property of a synthesized stack with its references resolved to local values."""

    @property
    def endpoints(self) -> Any:
        """Where the local services listen (twin_ops/local/deployment.py Endpoints)."""

    @property
    def output(self) -> Any:
        """The synthesized output (twin_ops/local/output.py SynthOutput)."""

    def azurite(self, method: str, url: str, body: bytes = b"", headers: Any = None, allow: tuple[int, ...] = ()) -> bytes:
        """A request to Azurite, signed as the run's storage account."""

    def gcs(self) -> Any:
        """A google-cloud-storage client of the storage emulator."""
