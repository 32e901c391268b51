"""Deployment settings the Terraform stacks need beyond the project (regions, projects, staging)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cdk_app.settings import BackendSettings


@dataclass(frozen=True)
class TerrainSettings:
    aws_region: str  # for the connection registry (SSM / Secrets Manager) through the AWS provider
    azure_location: str
    gcp_project: str | None
    gcp_region: str
    staging_dir: Path  # where function code bundles are staged (cdk_app.bundles.stage_bundles)
    backend: BackendSettings = BackendSettings()
