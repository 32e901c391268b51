"""Continuous delivery: a self-mutating CDK Pipeline that deploys the whole twin in topology order.

AWS stacks deploy as a CDK Pipelines stage; each Terraform stack is applied by a CodeBuild step
placed before the AWS stack that follows it in the deploy order (receivers before senders), with
Azure/Google credentials read from Secrets Manager at build time — never part of a template.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from aws_cdk import Environment, Stack, Stage
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from aws_cdk import pipelines
from constructs import Construct

from cdk_app.config.model import Layer, ProjectConfig, Provider
from cdk_app.stacks.terrain.backend import default_bucket
from cdk_app.topology import Topology
from constructs_lib.registry import token_secret_name, url_parameter_name

CDK_CLI_VERSION = "2.1148.1"  # the version package.json pins
TERRAFORM_VERSION = "1.10.5"
# Secrets Manager JSON keys → environment variables of the Terraform steps, per cloud.
CLOUD_CREDENTIALS = {
    Provider.AZURE: ("ARM_CLIENT_ID", "ARM_CLIENT_SECRET", "ARM_TENANT_ID", "ARM_SUBSCRIPTION_ID"),
    Provider.GOOGLE: ("GOOGLE_CREDENTIALS",),
}


@dataclass(frozen=True)
class PipelineSettings:
    repository: str  # "owner/repo" of the CodeStar/CodeConnections connection
    branch: str
    connection_arn: str
    project: str  # project folder inside the repository
    tf_state_bucket: str  # empty: the Terraform backend's default for the twin


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
        )
        stage = TwinStage(self, "Twin", env=env, build=build_aws_stacks)
        pre_steps, post_steps = self._terraform_steps(config, topology, settings, synth, stage.stacks)
        self.pipeline.add_stage(
            stage,
            stack_steps=[pipelines.StackSteps(stack=stack, pre=steps) for stack, steps in pre_steps],
            post=post_steps,
        )
        self.pipeline.build_pipeline()

    def _terraform_steps(self, config, topology, settings, synth, stacks):
        """Attach each Terraform stack's apply to the next AWS stack in deploy order (or the end)."""
        pending: list[pipelines.Step] = []
        pre_steps = []
        for layer in topology.deploy_order:
            if topology.cloud(layer) is Provider.AWS:
                if pending:
                    pre_steps.append((stacks[layer], pending))
                    pending = []
            else:
                pending.append(self._terraform_step(config, topology, layer, settings, synth))
        return pre_steps, pending

    def _terraform_step(
        self, config: ProjectConfig, topology: Topology, layer: Layer, settings: PipelineSettings, synth
    ) -> pipelines.CodeBuildStep:
        twin, cloud, stack = config.name, topology.cloud(layer), topology.stack_name(layer)
        secret = credentials_secret_name(twin, cloud)
        variables = {
            name: codebuild.BuildEnvironmentVariable(
                type=codebuild.BuildEnvironmentVariableType.SECRETS_MANAGER, value=f"{secret}:{name}"
            )
            for name in CLOUD_CREDENTIALS[cloud]
        }
        registry_params = f"arn:{self.partition}:ssm:{self.region}:{self.account}:parameter{url_parameter_name(twin, '*', '*')}"
        registry_secrets = (
            f"arn:{self.partition}:secretsmanager:{self.region}:{self.account}:secret:{token_secret_name(twin, '*')}-*"
        )
        state = f"arn:{self.partition}:s3:::{settings.tf_state_bucket or default_bucket(twin)}"
        return pipelines.CodeBuildStep(
            f"Terraform-{stack}",
            input=synth,
            install_commands=[
                f"curl -fsSL -o /tmp/tf.zip https://releases.hashicorp.com/terraform/{TERRAFORM_VERSION}/"
                f"terraform_{TERRAFORM_VERSION}_linux_amd64.zip",
                "unzip -o -d /usr/local/bin /tmp/tf.zip",
            ],
            commands=[
                f"cd cdktf.out/stacks/{stack}",
                "terraform init -input=false",
                "terraform apply -input=false -auto-approve",
            ],
            build_environment=codebuild.BuildEnvironment(environment_variables=variables),
            role_policy_statements=[
                iam.PolicyStatement(actions=["s3:ListBucket"], resources=[state]),
                iam.PolicyStatement(
                    actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], resources=[f"{state}/{stack}*"]
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
