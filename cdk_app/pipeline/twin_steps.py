"""The deploy plan's Terraform and post-deploy commands as pipeline steps, each with its own role.

Every step runs the plan's commands verbatim (twin_ops.deploy renders them for the pipeline's
layout) in a checkout of the repository with the Synth step's output at `cdk.out/`. Cloud
credentials come from Secrets Manager at build time; the role allows the Terraform state objects
the stack writes and reads (state_access) and, for post-deploy steps, what the step declares.
"""

from __future__ import annotations

import importlib.metadata
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Stack
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from aws_cdk import pipelines

from cdk_app.config.model import Provider
from cdk_app.pipeline.state_access import StateAccess
from cdk_app.pipeline.synth_step import RUNTIME_VERSIONS, SYNTH_OUT, runtime_versions
from cdk_app.pipeline.terraform import terraform_install_commands
from twin_contract.registry import token_secret_name, url_parameter_name
from twin_ops.deploy import Step
from twin_ops.post_deploy import AwsAccess

DISTRIBUTION = "multicloud-digital-twin"  # setup.py's name: its pins are the post-deploy steps' packages
OPS_VENV = ".venv"
OPS_PYTHON = f"{OPS_VENV}/bin/python"
# Secrets Manager JSON keys of `<twin>/pipeline/<cloud>` → environment variables, per cloud:
# Terraform reads ARM_* / GOOGLE_CREDENTIALS, azure-identity (the Azure post-deploy steps) AZURE_*.
TERRAFORM_CREDENTIALS = {
    Provider.AZURE: {name: name for name in ("ARM_CLIENT_ID", "ARM_CLIENT_SECRET", "ARM_TENANT_ID", "ARM_SUBSCRIPTION_ID")},
    Provider.GOOGLE: {"GOOGLE_CREDENTIALS": "GOOGLE_CREDENTIALS"},
}
SDK_CREDENTIALS = {
    Provider.AZURE: {"AZURE_CLIENT_ID": "ARM_CLIENT_ID", "AZURE_CLIENT_SECRET": "ARM_CLIENT_SECRET", "AZURE_TENANT_ID": "ARM_TENANT_ID"},
    Provider.GOOGLE: {},
}
REGISTRY_PARAMETER_ACTIONS = (
    "ssm:GetParameter", "ssm:PutParameter", "ssm:DeleteParameter", "ssm:AddTagsToResource", "ssm:ListTagsForResource",
)
REGISTRY_SECRET_ACTIONS = (
    "secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret", "secretsmanager:CreateSecret",
    "secretsmanager:PutSecretValue", "secretsmanager:DeleteSecret", "secretsmanager:TagResource",
    "secretsmanager:GetResourcePolicy",
)
# Terraform's S3 backend (https://developer.hashicorp.com/terraform/language/backend/s3): the state
# object read and written, its `.tflock` lock object created and deleted (use_lockfile).
STATE_WRITE_ACTIONS = ("s3:GetObject", "s3:PutObject")
LOCK_ACTIONS = ("s3:GetObject", "s3:PutObject", "s3:DeleteObject")


def credentials_secret_name(twin: str, cloud: Provider) -> str:
    return f"{twin}/pipeline/{cloud.value}"


def post_deploy_requirements() -> tuple[str, ...]:
    """boto3 and the `deploy` extra, pinned as setup.py pins them (read from the installed
    distribution): the post-deploy commands need no CDK library."""
    try:
        requires = importlib.metadata.requires(DISTRIBUTION) or []
    except importlib.metadata.PackageNotFoundError as error:
        raise RuntimeError(f"{DISTRIBUTION} is not installed: run `make install` before synthesizing the pipeline") from error
    picked = []
    for requirement in requires:
        spec, _, marker = (part.strip() for part in requirement.partition(";"))
        name = re.split(r"[\s\[=<>!~]", spec, maxsplit=1)[0]
        if (name == "boto3" and not marker) or marker.replace("'", '"') == 'extra == "deploy"':
            picked.append(spec)
    return tuple(picked)


@dataclass(frozen=True)
class StepScope:
    """What a pipeline step needs from its stack: name, partition/region/account, twin, inputs."""

    stack: Stack
    twin: str
    source: pipelines.IFileSetProducer
    synth: pipelines.IFileSetProducer

    def arn(self, service: str, resource: str) -> str:
        return f"arn:{self.stack.partition}:{service}:{self.stack.region}:{self.stack.account}:{resource}"

    def registry_arns(self) -> tuple[str, str]:
        """The connection registry of the twin: every URL parameter and token secret."""
        return (
            self.arn("ssm", f"parameter{url_parameter_name(self.twin, '*', '*')}"),
            self.arn("secretsmanager", f"secret:{token_secret_name(self.twin, '*')}-*"),
        )


@dataclass(frozen=True)
class TwinStep:
    """A pipeline step built from plan steps, with the wildcard resources it was granted (for cdk-nag)."""

    step: pipelines.CodeBuildStep
    wildcards: tuple[tuple[str, str], ...]  # (resource, reason)


def terraform_step(scope: StepScope, cloud: Provider, plan: Sequence[Step], access: StateAccess) -> TwinStep:
    """`terraform init` + `apply` of one stack: its own state written (with its lock), the states
    it references read, the connection registry when the stack uses the AWS provider."""
    statements = state_statements(scope.stack, access, apply=True)
    wildcards: list[tuple[str, str]] = []
    if "aws" in access.providers:
        parameters, secrets = scope.registry_arns()
        statements += [
            iam.PolicyStatement(actions=list(REGISTRY_PARAMETER_ACTIONS), resources=[parameters]),
            iam.PolicyStatement(actions=list(REGISTRY_SECRET_ACTIONS), resources=[secrets]),
        ]
        reason = (
            "a Terraform stack publishes and reads the connection registry of its own twin (DESIGN §4); "
            "connection ids and the secrets' random suffix are not known in advance"
        )
        wildcards += [(parameters, reason), (secrets, reason)]
    step = pipelines.CodeBuildStep(
        f"Terraform-{access.stack}",
        input=scope.source,
        additional_inputs={SYNTH_OUT: scope.synth},
        install_commands=terraform_install_commands(),
        commands=[s.render() for s in plan],
        build_environment=_environment(scope.twin, {cloud, *access.clouds}, sdk=False),
        role_policy_statements=statements,
    )
    return TwinStep(step, tuple(wildcards))


def post_deploy_step(scope: StepScope, command: Step, init: Step | None, access: StateAccess | None) -> TwinStep:
    """One post-deploy step after its stack, allowed what it declares. On a Terraform stack it
    reads that stack's state (`terraform init` in its directory first: the apply ran in another build)."""
    step_info = command.post_deploy
    assert step_info is not None
    resources = [(item, _resource(scope, item)) for item in step_info.aws_access]
    statements = [iam.PolicyStatement(actions=list(item.actions), resources=[arn]) for item, arn in resources]
    wildcards = tuple((arn, item.why) for item, arn in resources if "*" in arn)
    install = [
        f"python3 -m venv {OPS_VENV}",
        f"{OPS_VENV}/bin/pip install --quiet --disable-pip-version-check "
        + " ".join(shlex.quote(r) for r in post_deploy_requirements()),
    ]
    commands = [command.render()]
    clouds = {step_info.cloud}
    if access is not None and init is not None:
        install = terraform_install_commands() + install
        commands = [init.render(), *commands]
        statements += state_statements(scope.stack, access, apply=False)
        clouds |= {access.own.cloud} - {None}
    step = pipelines.CodeBuildStep(
        f"PostDeploy-{step_info.name}",
        input=scope.source,
        additional_inputs={SYNTH_OUT: scope.synth},
        install_commands=install,
        commands=commands,
        build_environment=_environment(scope.twin, clouds, sdk=True),
        role_policy_statements=statements,
        partial_build_spec=runtime_versions(python=RUNTIME_VERSIONS["python"]),
    )
    return TwinStep(step, wildcards)


def state_statements(stack: Stack, access: StateAccess, *, apply: bool) -> list[iam.PolicyStatement]:
    """S3 state. An apply: list the bucket, read and write the own object and its lock, read the
    referenced states. A post-deploy step (`terraform show`): list the bucket, read the own object.
    Other backends are reached with their cloud's credentials instead."""
    own, reads = access.own, (access.reads if apply else ())
    s3_states = [state for state in (own, *reads) if state.backend == "s3"]
    if not s3_states:
        return []
    bucket = lambda state: f"arn:{stack.partition}:s3:::{state.location}"  # noqa: E731
    obj = lambda state, suffix="": f"{bucket(state)}/{state.key}{suffix}"  # noqa: E731
    statements = [
        iam.PolicyStatement(actions=["s3:ListBucket"], resources=sorted({bucket(state) for state in s3_states}))
    ]
    read_only = [obj(state) for state in reads if state.backend == "s3"]
    if own.backend == "s3":
        if apply:
            statements.append(iam.PolicyStatement(actions=list(STATE_WRITE_ACTIONS), resources=[obj(own)]))
            statements.append(iam.PolicyStatement(actions=list(LOCK_ACTIONS), resources=[obj(own, ".tflock")]))
        else:
            read_only.insert(0, obj(own))
    if read_only:
        statements.append(iam.PolicyStatement(actions=["s3:GetObject"], resources=read_only))
    return statements


def _resource(scope: StepScope, access: AwsAccess) -> str:
    return "*" if access.resource == "*" else scope.arn(access.service, access.resource.format(twin=scope.twin))


def _environment(twin: str, clouds: set[Provider], *, sdk: bool) -> codebuild.BuildEnvironment:
    """Each cloud's credentials as variables CodeBuild reads from `<twin>/pipeline/<cloud>` at build
    time: never part of the template. AWS needs none (the build's own role)."""
    variables = {}
    for cloud in (c for c in Provider if c in clouds and c is not Provider.AWS):
        names = {**TERRAFORM_CREDENTIALS[cloud], **(SDK_CREDENTIALS[cloud] if sdk else {})}
        for variable, key in names.items():
            variables[variable] = codebuild.BuildEnvironmentVariable(
                type=codebuild.BuildEnvironmentVariableType.SECRETS_MANAGER,
                value=f"{credentials_secret_name(twin, cloud)}:{key}",
            )
    return codebuild.BuildEnvironment(environment_variables=variables)
