"""Remote Terraform state for every Terraform stack, chosen by the twin's clouds or by context.

A remote backend is the default because cross-stack references between Terraform stacks read
each other's state, and a local backend would bake machine-local paths into the synthesized files.
"""

from __future__ import annotations

import re

from cdktn import AzurermBackend, GcsBackend, LocalBackend, S3Backend, TerraformStack

from twin_model.clouds import CLOUDS
from twin_model.config.model import Provider
from cdk_app.synth_settings import BackendSettings

BACKENDS = ("auto", "s3", "azurerm", "gcs", "local")


def default_bucket(twin: str) -> str:
    return f"{twin.lower().replace('_', '-')}-tfstate"


def resolve_kind(requested: str, clouds: tuple[Provider, ...]) -> str:
    """`auto`: the state backend of the first cloud the twin uses, in the order AWS, Azure, Google
    (AWS first: when it hosts a layer, its S3 also holds the connection registry's neighbour)."""
    if requested not in BACKENDS:
        raise ValueError(f"context tf_backend must be one of {', '.join(BACKENDS)} (got {requested!r})")
    if requested != "auto":
        return requested
    first = next(provider for provider in Provider if provider in clouds)
    return CLOUDS[first].state_backend


def configure_backend(
    stack: TerraformStack, kind: str, settings: BackendSettings, twin: str, stack_name: str, aws_region: str
) -> None:
    key = f"{stack_name}.tfstate"
    if kind == "s3":
        # use_lockfile: S3-native state locking (Terraform ≥ 1.10), no DynamoDB table needed.
        S3Backend(stack, bucket=settings.bucket or default_bucket(twin), key=key, region=aws_region, encrypt=True, use_lockfile=True)
    elif kind == "azurerm":
        account = settings.storage_account or (re.sub(r"[^a-z0-9]", "", twin.lower())[:17] + "tfstate")
        AzurermBackend(
            stack,
            storage_account_name=account,
            container_name=settings.container,
            key=key,
            resource_group_name=settings.resource_group or f"{twin}-tfstate-rg",
            use_azuread_auth=True,
        )
    elif kind == "gcs":
        GcsBackend(stack, bucket=settings.bucket or default_bucket(twin), prefix=stack_name)
    else:
        LocalBackend(stack, path=f"terraform.{stack_name}.tfstate")
