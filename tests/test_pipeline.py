"""The delivery pipeline: self-mutating, pinned CLI, AWS stacks and Terraform steps in topology order."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from cdk_app.config import load_project
from cdk_app.main import synthesize
from cdk_app.settings import SettingsError, SynthSettings
from cdk_app.pipeline import CDK_CLI_VERSION
from cdk_app.topology import plan_project
from constructs_lib.aws.nag import flatten_reference
from tests.aws import cfn_lint_errors, resources_of_type, unacknowledged_nag_findings
from tests.conftest import WITHOUT_EVENTS, write_project

MIXED = {
    "layer_1_provider": "aws",
    "layer_2_provider": "azure",
    "layer_3_hot_provider": "aws",
    "layer_3_cold_provider": "google",
    "layer_4_provider": "aws",
}
PIPELINE_CONTEXT = {
    "pipeline": "true",
    "repository": "acme/twin-infra",
    "branch": "main",
    "connection_arn": "arn:aws:codeconnections:eu-central-1:111111111111:connection/abc",
    "account": "111111111111",
    "region": "eu-central-1",
}


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("pipeline")
    project = write_project(workdir / "project", MIXED, **WITHOUT_EVENTS)
    app = cdk.App(
        outdir=str(workdir / "cdk.out"),
        context={**PIPELINE_CONTEXT, "project": str(project), "tf_outdir": str(workdir / "cdktf.out")},
    )
    config = load_project(project)
    result = synthesize(app, config, plan_project(config), SynthSettings.from_app(app))
    template = result.assembly.get_stack_by_name("factory-floor-pipeline").template
    return template, result, app.node.find_child("factory-floor-pipeline")


def actions_in_order(template: dict) -> list[str]:
    pipeline = next(r for r in template["Resources"].values() if r["Type"] == "AWS::CodePipeline::Pipeline")
    names = []
    for stage in pipeline["Properties"]["Stages"]:
        for action in sorted(stage["Actions"], key=lambda a: a.get("RunOrder", 1)):
            names.append(f'{stage["Name"]}/{action["Name"]}')
    return names


def test_pipeline_self_mutates_with_the_pinned_cli(pipeline):
    template, _, _ = pipeline
    names = actions_in_order(template)
    assert any(name.startswith("UpdatePipeline/SelfMutate") for name in names)
    projects = json.dumps(Template.from_json(template).find_resources("AWS::CodeBuild::Project"))
    assert f"aws-cdk@{CDK_CLI_VERSION}" in projects


def test_terraform_steps_run_between_aws_stacks_in_topology_order(pipeline):
    template, result, _ = pipeline
    names = [n.split("/", 1)[1] for n in actions_in_order(template) if n.startswith("Twin/")]

    def first(fragment: str) -> int:
        return next(i for i, n in enumerate(names) if fragment in n)

    # deploy order: l3-archive(google) l3-cold(google) l3-hot(aws) l4(aws) l2(azure) l1(aws) l5(aws)
    assert first("Terraform-factory-floor-l3-archive") < first("Terraform-factory-floor-l3-cold")
    assert first("Terraform-factory-floor-l3-cold") < first("factory-floor-l3-hot.Deploy")
    assert first("factory-floor-l3-hot.Deploy") < first("factory-floor-l4.Deploy")
    assert first("factory-floor-l4.Deploy") < first("Terraform-factory-floor-l2")
    assert first("Terraform-factory-floor-l2") < first("factory-floor-l1.Deploy")
    assert first("factory-floor-l1.Deploy") < first("factory-floor-l5.Deploy")


def test_cloud_credentials_come_from_secrets_manager_not_the_template(pipeline):
    template, _, _ = pipeline
    Template.from_json(template).has_resource_properties(
        "AWS::CodeBuild::Project",
        {
            "Environment": Match.object_like(
                {
                    "EnvironmentVariables": Match.array_with(
                        [
                            {
                                "Name": "ARM_CLIENT_SECRET",
                                "Type": "SECRETS_MANAGER",
                                "Value": "factory-floor/pipeline/azure:ARM_CLIENT_SECRET",
                            }
                        ]
                    )
                }
            )
        },
    )


def test_publishes_assets_one_job_at_a_time(pipeline):
    template, _, _ = pipeline
    pipeline_resource = next(r for r in template["Resources"].values() if r["Type"] == "AWS::CodePipeline::Pipeline")
    assets = [s for s in pipeline_resource["Properties"]["Stages"] if s["Name"] == "Assets"]
    assert assets and len(assets[0]["Actions"]) == 1  # one action publishes all file assets


def test_pipeline_needs_repository_and_connection():
    app = cdk.App(context={"pipeline": "true"})
    with pytest.raises(SettingsError, match="repository.*connection_arn"):
        SynthSettings.from_app(app)



def test_no_unacknowledged_nag_finding_on_the_pipeline_stack(pipeline):
    _, _, stack = pipeline
    assert unacknowledged_nag_findings(stack) == []


def test_every_build_encrypts_with_the_rotating_artifact_key_and_artifacts_are_logged(pipeline):
    template, _, _ = pipeline
    (key_id, key), = resources_of_type(template, "AWS::KMS::Key").items()
    assert key["Properties"]["EnableKeyRotation"] is True
    projects = resources_of_type(template, "AWS::CodeBuild::Project").values()
    assert projects and all(p["Properties"]["EncryptionKey"] == {"Fn::GetAtt": [key_id, "Arn"]} for p in projects)
    buckets = resources_of_type(template, "AWS::S3::Bucket").values()
    artifacts = next(b for b in buckets if "LoggingConfiguration" in b["Properties"])
    assert artifacts["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0][
        "ServerSideEncryptionByDefault"]["KMSMasterKeyID"] == {"Fn::GetAtt": [key_id, "Arn"]}


def test_a_terraform_step_may_touch_only_its_own_state_object_and_lock(pipeline):
    template, _, _ = pipeline
    statements = [
        statement
        for policy in resources_of_type(template, "AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if "s3:PutObject" in statement["Action"] and "tfstate" in json.dumps(statement["Resource"])
    ]
    assert len(statements) == 3  # l3-archive, l3-cold and l2 are Terraform stacks here
    l2 = next(s for s in statements if "factory-floor-l2" in json.dumps(s["Resource"]))
    assert [flatten_reference(r) for r in l2["Resource"]] == [
        "arn:aws:s3:::factory-floor-tfstate/factory-floor-l2.tfstate",
        "arn:aws:s3:::factory-floor-tfstate/factory-floor-l2.tfstate.tflock",
    ]


def test_cfn_lint_reports_no_error_on_the_pipeline_template(pipeline):
    template = pipeline[0]
    # E3703 flags CDK Pipelines' own `Fn::Join` role ARNs in action configurations ("prefer
    # Fn::Sub"): a style preference cfn-lint files under errors; CloudFormation accepts both.
    assert cfn_lint_errors(template, ignore=("E3703",)) == []


def test_terraform_is_installed_only_after_its_signed_checksum_verifies(pipeline):
    from cdk_app.pipeline import HASHICORP_KEY_FINGERPRINT, TERRAFORM_VERSION, terraform_install_commands

    commands = terraform_install_commands(TERRAFORM_VERSION)
    verify_signature = next(i for i, c in enumerate(commands) if c.startswith("gpg --batch --verify"))
    verify_zip = next(i for i, c in enumerate(commands) if "sha256sum -c" in c)
    install = next(i for i, c in enumerate(commands) if c.startswith("unzip"))
    assert verify_signature < verify_zip < install
    assert any(HASHICORP_KEY_FINGERPRINT in c for c in commands[:verify_signature])
    projects = json.dumps(resources_of_type(pipeline[0], "AWS::CodeBuild::Project"))
    assert "sha256sum -c" in projects  # the Terraform steps use these commands
