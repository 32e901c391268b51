"""Everything a synth takes from context and the environment, resolved and checked once.

Kept free of CDK imports (a `cdk.App` is only read through `from_app`); the defaults a synth shares
with the operator tooling (each cloud's region) are in twin_model.clouds.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from twin_model.clouds import CLOUDS
from twin_model.config.model import Provider
from twin_model.paths import DEFAULT_PROJECT, REPO_ROOT

TRUE_VALUES = ("true", "1", "yes")

ContextReader = Callable[[str], object]  # context key → value or None (cdk.App.node.try_get_context)


class SettingsError(ValueError):
    """Context that cannot be used; reported like a project problem, without a traceback."""


@dataclass(frozen=True)
class BackendSettings:
    kind: str = "auto"  # auto: s3 when AWS hosts a layer, else azurerm when Azure does, else gcs
    bucket: str | None = None  # s3 / gcs bucket; default <twin>-tfstate
    storage_account: str | None = None  # azurerm; default <twin, alphanumerics>tfstate (≤ 24)
    container: str = "tfstate"
    resource_group: str | None = None  # azurerm; default <twin>-tfstate-rg


@dataclass(frozen=True)
class PipelineSettings:
    repository: str  # "owner/repo" of the CodeStar/CodeConnections connection
    branch: str
    connection_arn: str
    project: str  # project folder inside the repository (the pipeline checks the repository out)
    approval: bool = False  # a manual approval before the twin's first deploy step


@dataclass(frozen=True)
class SynthSettings:
    project: Path
    tf_outdir: Path
    region: str
    account: str | None
    azure_location: str
    gcp_project: str | None
    gcp_region: str
    tf_backend: BackendSettings
    pipeline: PipelineSettings | None = None  # context pipeline=true adds <twin>-pipeline

    @classmethod
    def from_context(cls, read: ContextReader) -> "SynthSettings":
        def ctx(key: str, default: str | None = None) -> str | None:
            value = read(key)
            return default if value in (None, "") else str(value)

        # The CDK CLI overwrites CDK_DEFAULT_REGION, so the region comes from context or AWS_REGION.
        settings = cls(
            project=Path(ctx("project", str(DEFAULT_PROJECT))),
            tf_outdir=Path(ctx("tf_outdir", "cdktf.out")),
            region=ctx("region") or os.environ.get("AWS_REGION") or CLOUDS[Provider.AWS].default_region,
            account=ctx("account") or os.environ.get("CDK_DEFAULT_ACCOUNT"),
            azure_location=ctx("azure_location", CLOUDS[Provider.AZURE].default_region),
            gcp_project=ctx("gcp_project"),
            gcp_region=ctx("gcp_region", CLOUDS[Provider.GOOGLE].default_region),
            tf_backend=BackendSettings(
                kind=ctx("tf_backend", "auto"),
                bucket=ctx("tf_state_bucket"),
                storage_account=ctx("tf_state_storage_account"),
                container=ctx("tf_state_container", "tfstate"),
                resource_group=ctx("tf_state_resource_group"),
            ),
            pipeline=_pipeline_settings(ctx),
        )
        if settings.pipeline is not None and settings.tf_backend.kind == "local":
            raise SettingsError(
                "context pipeline=true cannot use tf_backend=local: each pipeline build starts empty, so local "
                "Terraform state would be lost after every apply; use tf_backend=auto (the default), s3, azurerm or gcs"
            )
        return settings

    @classmethod
    def from_app(cls, app) -> "SynthSettings":
        """From a `cdk.App`'s context (the CLI's `-c`, CDK_CONTEXT_JSON, cdk.json)."""
        return cls.from_context(app.node.try_get_context)

    def to_context(self) -> dict[str, str]:
        """Every setting as the context that reproduces it: `from_context(to_context().get)` equals self.

        Values resolved from the environment (region, account) are written out, so a synth
        elsewhere (the pipeline's own, in CodeBuild) does not pick up that machine's environment.
        """
        backend = self.tf_backend
        values: dict[str, str | None] = {
            "project": str(self.project),
            "tf_outdir": str(self.tf_outdir),
            "region": self.region,
            "account": self.account,
            "azure_location": self.azure_location,
            "gcp_project": self.gcp_project,
            "gcp_region": self.gcp_region,
            "tf_backend": backend.kind,
            "tf_state_bucket": backend.bucket,
            "tf_state_storage_account": backend.storage_account,
            "tf_state_container": backend.container,
            "tf_state_resource_group": backend.resource_group,
        }
        if self.pipeline is not None:
            values.update(
                pipeline="true",
                repository=self.pipeline.repository,
                branch=self.pipeline.branch,
                connection_arn=self.pipeline.connection_arn,
                pipeline_approval="true" if self.pipeline.approval else "false",
            )
        return {key: value for key, value in values.items() if value is not None}


def _pipeline_settings(ctx: Callable[..., str | None]) -> PipelineSettings | None:
    if (ctx("pipeline") or "false").lower() not in TRUE_VALUES:
        return None
    missing = [key for key in ("repository", "connection_arn") if not ctx(key)]
    if missing:
        raise SettingsError(
            "context pipeline=true also needs " + " and ".join(f"-c {key}=..." for key in missing)
            + " (repository as owner/name, connection_arn of a CodeConnections connection)"
        )
    project = ctx("project", str(DEFAULT_PROJECT)) or str(DEFAULT_PROJECT)
    # The pipeline checks out the repository: the project path must be inside it, and relative.
    relative = os.path.relpath(Path(project).resolve(), REPO_ROOT)
    if relative == ".." or relative.startswith(".." + os.sep):
        raise SettingsError(
            f"context pipeline=true: the project folder {project} is outside the repository {REPO_ROOT}; "
            "the pipeline builds from a checkout of the repository, so commit the project folder into it"
        )
    return PipelineSettings(
        repository=ctx("repository") or "",
        branch=ctx("branch", "main") or "main",
        connection_arn=ctx("connection_arn") or "",
        project=relative,
        approval=(ctx("pipeline_approval") or "false").lower() in TRUE_VALUES,
    )
