"""Continuous delivery: a self-mutating CDK Pipeline that deploys the whole twin in topology order.

AWS stacks deploy as a CDK Pipelines stage; each Terraform stack is applied by a CodeBuild step
placed before the AWS stack that follows it in the deploy order (receivers before senders), with
Azure/Google credentials read from Secrets Manager at build time — never part of a template.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping

from aws_cdk import Acknowledgment, Environment, Stack, Stage, Validations
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import pipelines
from constructs import Construct

from cdk_app.config.model import ProjectConfig, Provider
from cdk_app.stacks.terraform.backend import default_bucket
from cdk_app.settings import PipelineSettings
from cdk_app.topology import Topology, TwinStack
from constructs_lib.aws.nag import (
    acknowledge_wildcard_actions,
    acknowledge_wildcard_resources,
    wildcard_resource_finding,
)
from twin_contract.registry import token_secret_name, url_parameter_name

CDK_CLI_VERSION = "2.1148.1"  # the version package.json pins
TERRAFORM_VERSION = "1.10.5"
# Secrets Manager JSON keys → environment variables of the Terraform steps, per cloud.
CLOUD_CREDENTIALS = {
    Provider.AZURE: ("ARM_CLIENT_ID", "ARM_CLIENT_SECRET", "ARM_TENANT_ID", "ARM_SUBSCRIPTION_ID"),
    Provider.GOOGLE: ("GOOGLE_CREDENTIALS",),
}


# Wildcard actions of CDK's grant methods on the pipeline's artifact bucket and key.
_GRANT_WILDCARD_ACTIONS = (
    "s3:GetObject*", "s3:GetBucket*", "s3:List*", "s3:DeleteObject*", "s3:Abort*", "kms:GenerateDataKey*", "kms:ReEncrypt*",
)


# HashiCorp's release-signing key (https://www.hashicorp.com/trust/security): the checksums file
# must carry its signature before the binary's checksum is trusted.
HASHICORP_KEY_FINGERPRINT = "C874011F0AB405110D02105534365D9472D7468F"


def terraform_install_commands(version: str) -> list[str]:
    """Download Terraform, verify the signed checksums, then the zip, then install it."""
    base = f"https://releases.hashicorp.com/terraform/{version}/terraform_{version}"
    return [
        "cd /tmp",
        f"curl -fsSLO {base}_linux_amd64.zip -O {base}_SHA256SUMS -O {base}_SHA256SUMS.sig",
        "curl -fsSL https://www.hashicorp.com/.well-known/pgp-key.txt | gpg --batch --import",
        f"gpg --batch --with-colons --fingerprint | grep -q '^fpr:*{HASHICORP_KEY_FINGERPRINT}:'",
        f"gpg --batch --verify terraform_{version}_SHA256SUMS.sig terraform_{version}_SHA256SUMS",
        f"grep ' terraform_{version}_linux_amd64.zip$' terraform_{version}_SHA256SUMS | sha256sum -c -",
        f"unzip -o -d /usr/local/bin terraform_{version}_linux_amd64.zip",
        "cd -",
    ]


def credentials_secret_name(twin: str, cloud: Provider) -> str:
    return f"{twin}/pipeline/{cloud.value}"


class TwinStage(Stage):
    """The twin's AWS stacks as one pipeline stage; `stacks` maps layers to them."""

    def __init__(self, scope: Construct, id: str, *, env: Environment, build: Callable[[Stage], Mapping]) -> None:
        super().__init__(scope, id, env=env)
        self.stacks = build(self)


class PipelineStack(Stack):
    """`<twin>-pipeline`: source → synth → self-mutate → the twin in topology order."""

    def __init__(
        self,
        scope: Construct,
        config: ProjectConfig,
        topology: Topology,
        settings: PipelineSettings,
        *,
        env: Environment,
        build_aws_stacks: Callable[[Stage], Mapping],
    ) -> None:
        twin = config.name
        super().__init__(scope, f"{twin}-pipeline", env=env, description=f"Digital twin {twin}: delivery pipeline")
        source = pipelines.CodePipelineSource.connection(
            settings.repository, settings.branch, connection_arn=settings.connection_arn
        )
        context = {
            "project": settings.project,
            "pipeline": "true",
            "repository": settings.repository,
            "branch": settings.branch,
            "connection_arn": settings.connection_arn,
            "tf_outdir": "cdk.out/cdktf.out",  # inside the synth output so later steps get it
        }
        if settings.tf_state_bucket:
            context["tf_state_bucket"] = settings.tf_state_bucket
        synth = pipelines.ShellStep(
            "Synth",
            input=source,
            install_commands=["make install"],
            commands=[
                "node_modules/.bin/cdk synth --quiet "
                + " ".join(f"-c {shlex.quote(f'{k}={v}')}" for k, v in context.items())
            ],
            primary_output_directory="cdk.out",
        )
        self.pipeline = pipelines.CodePipeline(
            self,
            "Pipeline",
            pipeline_name=f"{twin}-delivery",
            synth=synth,
            self_mutation=True,
            cli_version=CDK_CLI_VERSION,
            # CodeBuild accounts start with a low concurrent-build quota: one asset job at a time.
            publish_assets_in_parallel=False,
            cross_account_keys=False,
            artifact_bucket=self._artifact_bucket(),
        )
        stage = TwinStage(self, "Twin", env=env, build=build_aws_stacks)
        pre_steps, post_steps = self._terraform_steps(config, topology, settings, synth, stage.stacks)
        self.pipeline.add_stage(
            stage,
            stack_steps=[pipelines.StackSteps(stack=stack, pre=steps) for stack, steps in pre_steps],
            post=post_steps,
        )
        self.pipeline.build_pipeline()
        terraform_steps = [step for _, steps in pre_steps for step in steps] + post_steps
        self._acknowledge_nag_findings(twin, terraform_steps)

    def _artifact_bucket(self) -> s3.Bucket:
        """Artifacts under a customer-managed, rotating key, with server access logs (cdk-nag S1).

        CodePipeline hands the bucket's key to every CodeBuild project it runs, so the synth,
        self-mutation, asset and Terraform builds encrypt their output with it (cdk-nag CB4).
        Both buckets and the key are retained on delete, as CDK Pipelines' own bucket is.
        """
        key = kms.Key(self, "ArtifactsKey", enable_key_rotation=True, description=f"{self.stack_name}: pipeline artifacts")
        access_logs = s3.Bucket(
            self, "ArtifactsAccessLogs", encryption=s3.BucketEncryption.S3_MANAGED, enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        )
        self.artifacts = s3.Bucket(
            self, "Artifacts", encryption=s3.BucketEncryption.KMS, encryption_key=key, bucket_key_enabled=True,
            enforce_ssl=True, block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            server_access_logs_bucket=access_logs, server_access_logs_prefix="artifacts/",
        )
        return self.artifacts

    def _terraform_steps(self, config, topology, settings, synth, stacks):
        """Attach each Terraform stack's apply to the next AWS stack in deploy order (or the end)."""
        pending: list[pipelines.Step] = []
        pre_steps = []
        for twin_stack in topology.stacks:
            if twin_stack.cloud is Provider.AWS:
                if pending:
                    pre_steps.append((stacks[twin_stack.part or twin_stack.layer], pending))
                    pending = []
            else:
                pending.append(self._terraform_step(config, twin_stack, settings, synth))
        return pre_steps, pending

    def _registry_arns(self, twin: str) -> tuple[str, str]:
        """The connection registry of DESIGN §4: every URL parameter and token secret of the twin."""
        return (
            f"arn:{self.partition}:ssm:{self.region}:{self.account}:parameter{url_parameter_name(twin, '*', '*')}",
            f"arn:{self.partition}:secretsmanager:{self.region}:{self.account}:secret:{token_secret_name(twin, '*')}-*",
        )

    def _acknowledge_nag_findings(self, twin: str, terraform_steps: list[pipelines.CodeBuildStep]) -> None:
        """cdk-nag findings of CDK Pipelines' own roles and of deliberate choices, each with its reason.

        Called after build_pipeline(): the projects and roles exist only then. Ids are granular
        (`AwsSolutions-IAM5[Resource::…]`), so a wildcard added later is still reported.
        """
        pipeline = self.pipeline
        acknowledge_wildcard_actions(
            pipeline, _GRANT_WILDCARD_ACTIONS,
            "CDK's grants on the pipeline's artifact bucket and key (grantRead, grantReadWrite, "
            "grantEncryptDecrypt) to the pipeline's roles: wildcard actions, on that bucket and key only",
        )
        acknowledge_wildcard_resources(
            pipeline, [f"{self.artifacts.bucket_arn}/*"],
            "the objects of this pipeline's own artifact bucket (CDK's bucket grants to each pipeline role)",
        )
        for project in (pipeline.synth_project, pipeline.self_mutation_project, *(s.project for s in terraform_steps)):
            acknowledge_wildcard_resources(
                project,
                [self._codebuild_arn("logs", f"log-group:/aws/codebuild/{project.project_name}:*"),
                 self._codebuild_arn("codebuild", f"report-group/{project.project_name}-*")],
                "the build's own log group (streams are named per build) and report groups: CodeBuild's default policy",
            )
        self._acknowledge_self_mutation(pipeline.self_mutation_project)
        assets = pipeline.node.try_find_child("Assets")  # present when a stage has file assets
        if assets is not None:
            self._acknowledge_asset_publishing(assets)
        for step in terraform_steps:
            acknowledge_wildcard_resources(
                step.project, self._registry_arns(twin),
                "a Terraform stack publishes and reads the connection registry of its own twin (DESIGN §4); "
                "connection ids and the secrets' random suffix are not known in advance",
            )

    def _acknowledge_self_mutation(self, project: codebuild.IProject) -> None:
        acknowledge_wildcard_resources(
            project, [f"arn:*:iam::{self.account}:role/*"],
            "self-mutation assumes only the CDK bootstrap roles of this account (condition on the "
            "aws-cdk:bootstrap-role tag), whose names depend on the bootstrap qualifier",
        )
        Validations.of(project).acknowledge(Acknowledgment(
            id=wildcard_resource_finding("*"),
            reason="CDK Pipelines' self-mutation: cloudformation:DescribeStacks and s3:ListBucket to find the bootstrap stack",
        ))

    def _acknowledge_asset_publishing(self, assets: Construct) -> None:
        acknowledge_wildcard_resources(
            assets,
            [self._codebuild_arn("logs", "log-group:/aws/codebuild/*"), self._codebuild_arn("codebuild", "report-group/*")],
            "CDK Pipelines shares one role among all asset-publishing projects, so it names none of them",
        )
        Validations.of(assets).acknowledge(Acknowledgment(
            id=wildcard_resource_finding("*"),
            reason="CDK Pipelines' asset role: codebuild:StartBuild/BatchGetBuilds/StopBuild of its asset projects",
        ))

    def _codebuild_arn(self, service: str, resource: str) -> str:
        return f"arn:{self.partition}:{service}:{self.region}:{self.account}:{resource}"

    def _terraform_step(
        self, config: ProjectConfig, twin_stack: TwinStack, settings: PipelineSettings, synth
    ) -> pipelines.CodeBuildStep:
        twin, cloud, stack = config.name, twin_stack.cloud, twin_stack.name
        secret = credentials_secret_name(twin, cloud)
        variables = {
            name: codebuild.BuildEnvironmentVariable(
                type=codebuild.BuildEnvironmentVariableType.SECRETS_MANAGER, value=f"{secret}:{name}"
            )
            for name in CLOUD_CREDENTIALS[cloud]
        }
        registry_params, registry_secrets = self._registry_arns(twin)
        state = f"arn:{self.partition}:s3:::{settings.tf_state_bucket or default_bucket(twin)}"
        return pipelines.CodeBuildStep(
            f"Terraform-{stack}",
            input=synth,
            install_commands=terraform_install_commands(TERRAFORM_VERSION),
            commands=[
                f"cd cdktf.out/stacks/{stack}",
                "terraform init -input=false",
                "terraform apply -input=false -auto-approve",
            ],
            build_environment=codebuild.BuildEnvironment(environment_variables=variables),
            role_policy_statements=[
                iam.PolicyStatement(actions=["s3:ListBucket"], resources=[state]),
                # The stack's state object and its S3-native lock file (backend key `<stack>.tfstate`).
                iam.PolicyStatement(
                    actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                    resources=[f"{state}/{stack}.tfstate", f"{state}/{stack}.tfstate.tflock"],
                ),
                # The connection registry: receivers publish, senders read (DESIGN §4).
                iam.PolicyStatement(
                    actions=["ssm:GetParameter", "ssm:PutParameter", "ssm:DeleteParameter", "ssm:AddTagsToResource",
                             "ssm:ListTagsForResource"],
                    resources=[registry_params],
                ),
                iam.PolicyStatement(
                    actions=["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret",
                             "secretsmanager:CreateSecret", "secretsmanager:PutSecretValue",
                             "secretsmanager:DeleteSecret", "secretsmanager:TagResource",
                             "secretsmanager:GetResourcePolicy"],
                    resources=[registry_secrets],
                ),
            ],
        )
