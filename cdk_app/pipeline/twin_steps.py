"""The deploy plan's Terraform and post-deploy items (twin_model.deploy_plan) as pipeline steps,
each with its own role and the plan's own commands.

Every step runs in a checkout of the repository with the Synth step's output at `cdk.out/`. Cloud
credentials come from Secrets Manager at build time; the role allows the Terraform state objects
the stack writes and reads (state_access) and, for post-deploy steps, what the step declares.
"""

from __future__ import annotations

import importlib.metadata
import re
import shlex
from dataclasses import dataclass

from aws_cdk import Stack
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from aws_cdk import pipelines

from twin_model.clouds import CLOUDS, AwsAccess
from twin_model.deploy_plan import Action, PlanItem, PlanSettings
from twin_model.config.model import Provider
from cdk_app.pipeline.state_access import StateAccess
from cdk_app.pipeline.synth_step import RUNTIME_VERSIONS, SYNTH_OUT, TF_OUTDIR, runtime_versions
from cdk_app.pipeline.terraform import terraform_install_commands
from twin_contract.registry import token_secret_name, url_parameter_name

DISTRIBUTION = "multicloud-digital-twin"  # setup.py's name: its pins are the post-deploy steps' packages
OPS_VENV = ".venv"  # holds only the post-deploy steps' packages
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


def plan_settings(project: str) -> PlanSettings:
    """The deploy plan as the pipeline runs it: in the checkout, with the Synth step's output at
    cdk.out/ (Terraform's inside it), the post-deploy steps on their own virtualenv's Python."""
    return PlanSettings(project=project, outdir=SYNTH_OUT, tf_outdir=TF_OUTDIR, terraform="terraform",
                        python=f"{OPS_VENV}/bin/python")


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


def terraform_step(scope: StepScope, item: PlanItem, settings: PlanSettings, access: StateAccess) -> TwinStep:
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
            "a Terraform stack publishes and reads the connection registry of its own twin (docs/design.md §4); "
            "connection ids and the secrets' random suffix are not known in advance"
        )
        wildcards += [(parameters, reason), (secrets, reason)]
    step = pipelines.CodeBuildStep(
        f"Terraform-{access.stack}",
        input=scope.source,
        additional_inputs={SYNTH_OUT: scope.synth},
        install_commands=terraform_install_commands(),
        commands=[step.render() for step in item.steps(Action.DEPLOY, settings)],
        build_environment=_environment(scope.twin, {item.cloud, *access.clouds}),
        role_policy_statements=statements,
    )
    return TwinStep(step, tuple(wildcards))


def post_deploy_step(scope: StepScope, item: PlanItem, settings: PlanSettings, access: StateAccess | None) -> TwinStep:
    """One post-deploy step after its stack, allowed what it declares. On a Terraform stack it
    reads that stack's state (`terraform init` in its directory first: the apply ran in another build)."""
    post_deploy = item.post_deploy
    assert post_deploy is not None
    resources = [(access_item, _resource(scope, access_item)) for access_item in post_deploy.aws_access]
    statements = [iam.PolicyStatement(actions=list(a.actions), resources=[arn]) for a, arn in resources]
    wildcards = tuple((arn, a.why) for a, arn in resources if "*" in arn)
    install = [
        f"python3 -m venv {OPS_VENV}",
        f"{OPS_VENV}/bin/pip install --quiet --disable-pip-version-check "
        + " ".join(shlex.quote(r) for r in post_deploy_requirements()),
    ]
    commands = [step.render() for step in item.steps(Action.DEPLOY, settings)]
    clouds = {item.cloud}
    if access is not None:
        install = terraform_install_commands() + install
        commands = [item.terraform_init(settings).render(), *commands]
        statements += state_statements(scope.stack, access, apply=False)
        clouds |= {access.own.cloud} - {None}
    step = pipelines.CodeBuildStep(
        f"PostDeploy-{post_deploy.name}",
        input=scope.source,
        additional_inputs={SYNTH_OUT: scope.synth},
        install_commands=install,
        commands=commands,
        build_environment=_environment(scope.twin, clouds, sdk=(item.cloud, post_deploy.environment)),
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


def _environment(
    twin: str, clouds: set[Provider], sdk: tuple[Provider, tuple[tuple[str, str], ...]] | None = None
) -> codebuild.BuildEnvironment:
    """Each cloud's pipeline credentials (and the variables a step's SDK reads, from its cloud's
    secret) as variables CodeBuild reads from `<twin>/pipeline/<cloud>` at build time: never part
    of the template. AWS needs none (the build's own role)."""
    names: dict[str, str] = {}  # variable → "<secret>:<key>"
    for cloud in (c for c in Provider if c in clouds):
        names.update({key: f"{credentials_secret_name(twin, cloud)}:{key}" for key in CLOUDS[cloud].pipeline_credentials})
    if sdk is not None:
        cloud, variables = sdk
        names.update({variable: f"{credentials_secret_name(twin, cloud)}:{key}" for variable, key in variables})
    return codebuild.BuildEnvironment(environment_variables={
        variable: codebuild.BuildEnvironmentVariable(type=codebuild.BuildEnvironmentVariableType.SECRETS_MANAGER, value=value)
        for variable, value in names.items()
    })
