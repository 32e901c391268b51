"""The pipeline stack itself: self-mutating with the pinned CLI, credentials only as references,
encrypted and logged artifacts, cdk-nag and cfn-lint clean, clear refusals of unusable context."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from cdk_app.pipeline import CDK_CLI_VERSION, HASHICORP_KEY_FINGERPRINT, TERRAFORM_VERSION, terraform_install_commands
from cdk_app.synth_settings import SettingsError, SynthSettings
from tests import found
from tests.aws import cfn_lint_errors
from tests.pipeline.synth import PIPELINE_CONTEXT, pipeline_actions, resources_of_type

TWINS = ["all_aws", "mixed", "no_aws", "gcp"]


def test_pipeline_self_mutates_with_the_pinned_cli(mixed):
    names = [f"{stage}/{action['Name']}" for stage, _, action in pipeline_actions(mixed.template)]
    assert "UpdatePipeline/SelfMutate" in names
    projects = json.dumps(resources_of_type(mixed.template, "AWS::CodeBuild::Project"))
    assert f"aws-cdk@{CDK_CLI_VERSION}" in projects


def test_builds_pin_the_images_python_and_node(mixed):
    (synth,) = [a for stage, _, a in pipeline_actions(mixed.template) if stage == "Build"]
    spec = json.loads(mixed.template["Resources"][synth["Configuration"]["ProjectName"]["Ref"]]["Properties"]["Source"]["BuildSpec"])
    assert spec["phases"]["install"]["runtime-versions"] == {"python": "3.11", "nodejs": "20"}
    image = {p["Properties"]["Environment"]["Image"] for p in resources_of_type(mixed.template, "AWS::CodeBuild::Project").values()}
    assert image == {"aws/codebuild/standard:7.0"}  # offers both (CodeBuild's runtimes.yml)


def test_cloud_credentials_come_from_secrets_manager_not_the_template(mixed):
    Template.from_json(mixed.template).has_resource_properties(
        "AWS::CodeBuild::Project",
        {"Environment": Match.object_like({"EnvironmentVariables": Match.array_with([{
            "Name": "ARM_CLIENT_SECRET",
            "Type": "SECRETS_MANAGER",
            "Value": "factory-floor-mix/pipeline/azure:ARM_CLIENT_SECRET",
        }])})},
    )
    variables = [
        variable for project in found(resources_of_type(mixed.template, "AWS::CodeBuild::Project").values(), "projects")
        for variable in project["Properties"]["Environment"].get("EnvironmentVariables", [])
    ]
    for variable in found(variables, "CodeBuild environment variables"):
        assert variable["Type"] == "SECRETS_MANAGER", variable


def test_publishes_assets_one_job_at_a_time(mixed):
    assets = [a for stage, _, a in pipeline_actions(mixed.template) if stage == "Assets"]
    assert len(assets) == 1  # one action publishes all file assets


def test_a_twin_without_aws_layers_gets_a_pipeline_of_terraform_and_post_deploy_steps(no_aws):
    assert no_aws.aws_stack_names == []
    stages = list(dict.fromkeys(stage for stage, _, _ in pipeline_actions(no_aws.template)))
    assert stages == ["Source", "Build", "UpdatePipeline", "Twin"]  # no stacks, no assets


@pytest.mark.parametrize("twin", TWINS)
def test_no_unacknowledged_nag_finding_on_the_pipeline_stack(twin, request):
    assert request.getfixturevalue(twin).nag_findings == []


@pytest.mark.parametrize("twin", TWINS)
def test_cfn_lint_reports_no_error_on_the_pipeline_template(twin, request):
    # E3703 flags CDK Pipelines' own `Fn::Join` role ARNs in action configurations ("prefer
    # Fn::Sub"): a style preference cfn-lint files under errors; CloudFormation accepts both.
    assert cfn_lint_errors(request.getfixturevalue(twin).template, ignore=("E3703",)) == []


def test_every_build_encrypts_with_the_rotating_artifact_key_and_artifacts_are_logged(mixed):
    template = mixed.template
    (key_id, key), = resources_of_type(template, "AWS::KMS::Key").items()
    assert key["Properties"]["EnableKeyRotation"] is True
    projects = resources_of_type(template, "AWS::CodeBuild::Project").values()
    assert projects and all(p["Properties"]["EncryptionKey"] == {"Fn::GetAtt": [key_id, "Arn"]} for p in projects)
    buckets = resources_of_type(template, "AWS::S3::Bucket").values()
    artifacts = next(b for b in buckets if "LoggingConfiguration" in b["Properties"])
    assert artifacts["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0][
        "ServerSideEncryptionByDefault"]["KMSMasterKeyID"] == {"Fn::GetAtt": [key_id, "Arn"]}


def test_terraform_is_installed_only_after_its_signed_checksum_verifies(mixed):
    commands = terraform_install_commands(TERRAFORM_VERSION)
    verify_signature = next(i for i, c in enumerate(commands) if c.startswith("gpg --batch --verify"))
    verify_zip = next(i for i, c in enumerate(commands) if "sha256sum -c" in c)
    install = next(i for i, c in enumerate(commands) if c.startswith("unzip"))
    assert verify_signature < verify_zip < install
    assert any(HASHICORP_KEY_FINGERPRINT in c for c in commands[:verify_signature])
    projects = json.dumps(resources_of_type(mixed.template, "AWS::CodeBuild::Project"))
    assert "sha256sum -c" in projects  # the Terraform steps use these commands


def settings(**context: str) -> SynthSettings:
    return SynthSettings.from_app(cdk.App(context=context))


def test_pipeline_needs_repository_and_connection():
    with pytest.raises(SettingsError, match="repository.*connection_arn"):
        settings(pipeline="true")


def test_pipeline_refuses_local_terraform_state():
    with pytest.raises(SettingsError, match="tf_backend=local.*lost"):
        settings(**PIPELINE_CONTEXT, tf_backend="local")


def test_pipeline_refuses_a_project_outside_the_repository(tmp_path):
    with pytest.raises(SettingsError, match="outside the repository.*commit the project folder"):
        settings(**PIPELINE_CONTEXT, project=str(tmp_path))
