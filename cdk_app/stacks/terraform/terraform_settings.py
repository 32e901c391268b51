"""Deployment settings the Terraform stacks need beyond the project (regions, project, state)."""

from __future__ import annotations

from dataclasses import dataclass

from cdk_app.synth_settings import BackendSettings


@dataclass(frozen=True)
class TerraformSettings:
    aws_region: str  # for the connection registry (SSM / Secrets Manager) through the AWS provider
    azure_location: str
    gcp_project: str | None
    gcp_region: str
    backend: BackendSettings = BackendSettings()
