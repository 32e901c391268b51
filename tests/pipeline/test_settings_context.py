"""Settings → context → the same settings: what the pipeline's own synth gets is what deployed it."""

from __future__ import annotations

import pytest

from cdk_app.synth_settings import BackendSettings, PipelineSettings, SynthSettings
from tests.conftest import REPO

VARIANTS = {
    "defaults": {},
    "everything": {
        "project": "examples/factory-floor-gcp",
        "tf_outdir": "build/tf",
        "region": "eu-west-1",
        "account": "222222222222",
        "azure_location": "northeurope",
        "gcp_project": "p-1",
        "gcp_region": "europe-west3",
        "tf_backend": "s3",
        "tf_state_bucket": "state-bucket",
        "tf_state_storage_account": "acct",
        "tf_state_container": "c",
        "tf_state_resource_group": "rg",
        "pipeline": "true",
        "repository": "acme/infra",
        "branch": "release",
        "connection_arn": "arn:aws:codeconnections:eu-west-1:222222222222:connection/x",
        "pipeline_approval": "yes",
    },
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_to_context_reproduces_the_settings(variant, monkeypatch):
    monkeypatch.chdir(REPO)  # a relative project is relative to the working directory
    monkeypatch.setenv("AWS_REGION", "ap-south-1")  # resolved from the environment, written out
    monkeypatch.setenv("CDK_DEFAULT_ACCOUNT", "333333333333")
    settings = SynthSettings.from_context(VARIANTS[variant].get)
    context = settings.to_context()
    monkeypatch.setenv("AWS_REGION", "us-west-2")  # another machine (CodeBuild) must not matter
    monkeypatch.setenv("CDK_DEFAULT_ACCOUNT", "999999999999")
    assert SynthSettings.from_context(context.get) == settings


def test_everything_is_read_from_context(monkeypatch):
    monkeypatch.chdir(REPO)
    settings = SynthSettings.from_context(VARIANTS["everything"].get)
    assert settings.tf_backend == BackendSettings("s3", "state-bucket", "acct", "c", "rg")
    assert settings.pipeline == PipelineSettings(
        "acme/infra", "release", "arn:aws:codeconnections:eu-west-1:222222222222:connection/x",
        "examples/factory-floor-gcp", approval=True,
    )


def test_an_absolute_project_inside_the_repository_becomes_relative_for_the_pipeline():
    context = {**VARIANTS["everything"], "project": str(REPO / "examples" / "factory-floor")}
    assert SynthSettings.from_context(context.get).pipeline.project == "examples/factory-floor"
