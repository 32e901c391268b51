"""cdk-nag findings of CDK Pipelines' own roles and of the twin steps' grants, each with its reason.

Applied after build_pipeline(): the projects and roles exist only then. Ids are granular
(`AwsSolutions-IAM5[Resource::…]`), so a wildcard added later is still reported.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Acknowledgment, Stack, Validations
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_s3 as s3
from aws_cdk import pipelines
from constructs import Construct

from cdk_app.pipeline.twin_steps import TwinStep
from constructs_lib.aws.nag import (
    acknowledge_wildcard_actions,
    acknowledge_wildcard_resources,
    wildcard_resource_finding,
)

# Wildcard actions of CDK's grant methods on the pipeline's artifact bucket and key.
GRANT_WILDCARD_ACTIONS = (
    "s3:GetObject*", "s3:GetBucket*", "s3:List*", "s3:DeleteObject*", "s3:Abort*", "kms:GenerateDataKey*", "kms:ReEncrypt*",
)


def acknowledge_pipeline_findings(
    stack: Stack, pipeline: pipelines.CodePipeline, artifacts: s3.IBucket, twin_steps: Sequence[TwinStep]
) -> None:
    acknowledge_wildcard_actions(
        pipeline, GRANT_WILDCARD_ACTIONS,
        "CDK's grants on the pipeline's artifact bucket and key (grantRead, grantReadWrite, "
        "grantEncryptDecrypt) to the pipeline's roles: wildcard actions, on that bucket and key only",
    )
    acknowledge_wildcard_resources(
        pipeline, [f"{artifacts.bucket_arn}/*"],
        "the objects of this pipeline's own artifact bucket (CDK's bucket grants to each pipeline role)",
    )
    for project in (pipeline.synth_project, pipeline.self_mutation_project, *(s.step.project for s in twin_steps)):
        acknowledge_wildcard_resources(
            project,
            [_arn(stack, "logs", f"log-group:/aws/codebuild/{project.project_name}:*"),
             _arn(stack, "codebuild", f"report-group/{project.project_name}-*")],
            "the build's own log group (streams are named per build) and report groups: CodeBuild's default policy",
        )
    _acknowledge_self_mutation(stack, pipeline.self_mutation_project)
    assets = pipeline.node.try_find_child("Assets")  # present when a stage has file assets
    if assets is not None:
        _acknowledge_asset_publishing(stack, assets)
    for twin_step in twin_steps:
        for resource, reason in twin_step.wildcards:
            if resource == "*":
                Validations.of(twin_step.step.project).acknowledge(
                    Acknowledgment(id=wildcard_resource_finding("*"), reason=reason)
                )
            else:
                acknowledge_wildcard_resources(twin_step.step.project, [resource], reason)


def _acknowledge_self_mutation(stack: Stack, project: codebuild.IProject) -> None:
    acknowledge_wildcard_resources(
        project, [f"arn:*:iam::{stack.account}:role/*"],
        "self-mutation assumes only the CDK bootstrap roles of this account (condition on the "
        "aws-cdk:bootstrap-role tag), whose names depend on the bootstrap qualifier",
    )
    Validations.of(project).acknowledge(Acknowledgment(
        id=wildcard_resource_finding("*"),
        reason="CDK Pipelines' self-mutation: cloudformation:DescribeStacks and s3:ListBucket to find the bootstrap stack",
    ))


def _acknowledge_asset_publishing(stack: Stack, assets: Construct) -> None:
    acknowledge_wildcard_resources(
        assets,
        [_arn(stack, "logs", "log-group:/aws/codebuild/*"), _arn(stack, "codebuild", "report-group/*")],
        "CDK Pipelines shares one role among all asset-publishing projects, so it names none of them",
    )
    Validations.of(assets).acknowledge(Acknowledgment(
        id=wildcard_resource_finding("*"),
        reason="CDK Pipelines' asset role: codebuild:StartBuild/BatchGetBuilds/StopBuild of its asset projects",
    ))


def _arn(stack: Stack, service: str, resource: str) -> str:
    return f"arn:{stack.partition}:{service}:{stack.region}:{stack.account}:{resource}"
