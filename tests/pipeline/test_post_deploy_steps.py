"""Post-deploy steps in the pipeline: the command read from the template runs the real step with
only what its role allows, on packages that hold no CDK library.

The AWS step's command is run in-process (`python -m twin_ops` is twin_ops.cli.main) against moto,
in a copy of the project at the path the pipeline checks it out to; every AWS API call it makes is
recorded and compared, action and resource, with the statements of the step's role.
"""

from __future__ import annotations

import ast
import fnmatch
import json
import shlex
import shutil
import subprocess
import sys

import boto3
import botocore.client
import pytest
from moto import mock_aws

from cdk_app.pipeline.twin_steps import post_deploy_requirements
from constructs_lib.aws.nag import flatten_reference
from tests.conftest import REPO
from tests.pipeline.synth import ACCOUNT, build_spec, pipeline_actions, project_of_action, resources_of_type
from twin_ops.cli import main as cli
from twin_model.clouds import CLOUDS
from twin_model.config.model import Provider

REGION = "eu-central-1"
CDK_MODULES = ("aws_cdk", "cdktn", "constructs", "jsii", "cdk_nag")


def step(template: dict, name: str) -> tuple[dict, list[dict]]:
    """(build spec, role statements) of the pipeline step `PostDeploy-<name>`."""
    (action,) = [a for _, _, a in pipeline_actions(template) if a["Name"].endswith(f"PostDeploy-{name}")]
    project = project_of_action(action)
    role = template["Resources"][project]["Properties"]["ServiceRole"]["Fn::GetAtt"][0]
    statements = [
        statement
        for policy in resources_of_type(template, "AWS::IAM::Policy").values()
        if {"Ref": role} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    return build_spec(template, project), statements


def twin_grants(statements: list[dict]) -> list[tuple[str, str]]:
    """(action, resource) of the statements on the twin's resources: not the build's own logs,
    reports and artifacts, which CodeBuild grants every build."""
    grants = []
    for statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for resource in map(flatten_reference, resources):
            if ":log-group:/aws/codebuild/" in resource or ":report-group/" in resource or "<Artifacts" in resource:
                continue
            grants += [(action, resource) for action in actions]
    return grants


@pytest.fixture
def recorded_calls(monkeypatch):
    calls: list[tuple[str, dict]] = []
    original = botocore.client.BaseClient._make_api_call

    def record(client, operation, params):
        calls.append((f"{client.meta.service_model.signing_name}:{operation}", params))
        return original(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", record)
    return calls


def test_the_aws_certificates_step_runs_with_exactly_its_roles_permissions(mixed, tmp_path, monkeypatch, recorded_calls):
    spec, statements = step(mixed.template, "aws-device-certificates")
    (command,) = spec["phases"]["build"]["commands"]
    python, dash_m, module, *argv = shlex.split(command)
    assert (python, dash_m, module) == (".venv/bin/python", "-m", "twin_ops")
    shutil.copytree(REPO / mixed.example, tmp_path / mixed.example)  # the checkout, as far as the step reads it
    monkeypatch.chdir(tmp_path)
    for name, value in {"AWS_REGION": REGION, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "MOTO_ACCOUNT_ID": ACCOUNT}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        secrets = boto3.client("secretsmanager", region_name=REGION)
        for device in mixed.config.devices:
            secrets.create_secret(
                Name=f"factory-floor-mix/devices/{device.id}/credentials",
                SecretString=json.dumps({"certificate_pem": "CERT", "private_key": "KEY"}),
            )
        recorded_calls.clear()
        assert cli(argv) == 0
    grants = twin_grants(statements)
    used = set()
    for action, params in recorded_calls:
        resource = "*"
        if action == "secretsmanager:GetSecretValue":
            resource = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{params['SecretId']}-AbCdEf"
        allowing = [(a, r) for a, r in grants if a == action and fnmatch.fnmatchcase(resource, r)]
        assert allowing, f"{action} on {resource} is not allowed by the step's role"
        used.update(allowing)
    assert len(recorded_calls) == len(mixed.config.devices) + 1
    assert used == set(grants), "the role allows more than the step uses"
    assert (tmp_path / mixed.example / "iot_devices_auth" / "simulator.json").is_file()


def test_azure_steps_get_the_service_principal_for_terraform_and_azure_identity(no_aws):
    template = no_aws.template
    for name in ("azure-device-identities", "azure-digital-twins"):
        (action,) = [a for _, _, a in pipeline_actions(template) if a["Name"].endswith(f"PostDeploy-{name}")]
        variables = {
            v["Name"]: v["Value"]
            for v in template["Resources"][project_of_action(action)]["Properties"]["Environment"]["EnvironmentVariables"]
        }
        secret = "factory-floor-az/pipeline/azure"
        assert variables["AZURE_CLIENT_ID"] == f"{secret}:ARM_CLIENT_ID"  # what DefaultAzureCredential reads
        assert variables["AZURE_CLIENT_SECRET"] == f"{secret}:ARM_CLIENT_SECRET"
        assert variables["AZURE_TENANT_ID"] == f"{secret}:ARM_TENANT_ID"
        assert variables["ARM_SUBSCRIPTION_ID"] == f"{secret}:ARM_SUBSCRIPTION_ID"  # the azurerm state backend
        # No AWS API but reading its credentials: the state is in Azure.
        assert twin_grants(step(template, name)[1]) == [
            ("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{secret}-??????"),
        ]


def setup_pins() -> dict[str, list[str]]:
    """setup.py's install_requires and extras_require, read from its source."""
    call = next(node for node in ast.walk(ast.parse((REPO / "setup.py").read_text())) if isinstance(node, ast.Call)
                and getattr(node.func, "id", "") == "setup")
    keywords = {k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg in ("install_requires", "extras_require")}
    return {"install": keywords["install_requires"], **keywords["extras_require"]}


def test_post_deploy_steps_install_boto3_and_the_deploy_extra_as_pinned():
    pins = setup_pins()
    boto3_pin = [pin for pin in pins["install"] if pin.startswith("boto3==")]
    assert post_deploy_requirements() == (*boto3_pin, *pins["deploy"])


def test_the_post_deploy_commands_load_no_cdk_library():
    modules = ["twin_ops.cli", "twin_ops.post_deploy.cli", *(f"twin_ops.post_deploy.{m}" for m in (
        "aws_device_certificates", "azure_device_identities", "azure_digital_twins", "gcp_telemetry_topic",
        "terraform_state", "azure_data_plane"))]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "import twin_ops.cli as c; c._parser()\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({CDK_MODULES!r})))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_every_post_deploy_step_the_pipeline_runs_is_a_command_of_the_operator_tooling():
    from twin_ops.cli import _parser

    for step in (step for cloud in CLOUDS.values() for step in cloud.post_deploy):
        assert _parser().parse_args(["post-deploy", step.name]).step == step.name


def test_only_steps_on_aws_declare_aws_access_and_each_says_why():
    for cloud in CLOUDS.values():
        for step in cloud.post_deploy:
            assert not step.aws_access or cloud.provider is Provider.AWS, step.name
            assert all(access.why and access.actions for access in step.aws_access), step.name
