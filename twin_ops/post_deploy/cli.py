"""`python -m cdk_app post-deploy <step> --project DIR`: run one step against the real clouds.

Only this module builds real clients (boto3, Entra ID tokens, `terraform show`); the step modules
get them injected, which is what their tests replace.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from twin_model.config import load_project
from twin_model.config.model import Layer, ProjectConfig, Provider
from twin_ops.post_deploy import STEPS, PostDeployError, PostDeployStep
from twin_ops.simulator.config import auth_dir
from twin_model.topology import Features, Topology, plan_project


@dataclass(frozen=True)
class PostDeployRequest:
    step: str
    project: Path
    tf_outdir: Path = Path("cdktf.out")
    terraform: str = "terraform"
    region: str | None = None  # AWS; default AWS_REGION, else the synth default


def run_post_deploy(request: PostDeployRequest, echo: Callable[[str], None] = print) -> None:
    config = load_project(request.project)
    topology = plan_project(config)
    step = next(s for s in STEPS if s.name == request.step)
    _check_placement(step, topology)
    echo(RUNNERS[step.name](request, config, topology))


def expected_errors() -> tuple[type[BaseException], ...]:
    """Failures reported as one line: the step's own, cloud refusals, missing files."""
    from botocore.exceptions import BotoCoreError, ClientError

    return PostDeployError, BotoCoreError, ClientError, OSError  # AzureRestError is a PostDeployError


def _check_placement(step: PostDeployStep, topology: Topology) -> None:
    if not topology.placed(step.layer):
        raise PostDeployError(f"{step.name} is for {step.layer.value} on {step.cloud.value}; this twin has no {step.layer.value}")
    cloud = topology.cloud(step.layer)
    if cloud is not step.cloud:
        raise PostDeployError(
            f"{step.name} is for {step.layer.value} on {step.cloud.value}; this twin's {step.layer.value} is on {cloud.value}"
        )


def _stack_dir(request: PostDeployRequest, topology: Topology, layer: Layer) -> Path:
    stack_dir = request.tf_outdir / "stacks" / topology.stack_name(layer)
    if not stack_dir.is_dir():
        raise PostDeployError(f"{stack_dir} is missing: synthesize and deploy first (`python -m cdk_app deploy`)")
    return stack_dir


def _aws_device_certificates(request: PostDeployRequest, config: ProjectConfig, topology: Topology) -> str:
    import boto3

    from twin_ops.post_deploy.aws_device_certificates import download_device_certificates

    region = request.region or os.environ.get("AWS_REGION") or _synth_default_region()
    session = boto3.Session(region_name=region)
    result = download_device_certificates(
        request.project, config.name, [d.id for d in config.devices],
        session.client("secretsmanager"), session.client("iot"),
    )
    return (
        f"{len(config.devices)} device certificates in {auth_dir(request.project)} "
        f"({len(result.updated)} written), endpoint {result.config.mqtt.host}"
    )


def _synth_default_region() -> str:
    from twin_model.clouds import CLOUDS  # the region `cdk synth` uses without context or AWS_REGION

    return CLOUDS[Provider.AWS].default_region


def _azure_device_identities(request: PostDeployRequest, config: ProjectConfig, topology: Topology) -> str:
    from twin_ops.post_deploy.azure_data_plane import IOT_HUB_SCOPE, AzureDataPlane, EntraTokens
    from twin_ops.post_deploy.azure_device_identities import IotHubRegistry, hub_host, read_manifest, register_devices

    manifest = read_manifest(_stack_dir(request, topology, Layer.L1))
    registry = IotHubRegistry(AzureDataPlane(hub_host(manifest), IOT_HUB_SCOPE, EntraTokens()))
    result = register_devices(request.project, config.name, manifest, registry)
    return (
        f"IoT Hub {hub_host(manifest)}: {len(result.created)} devices registered, {len(result.existing)} already there; "
        f"keys in {auth_dir(request.project)}"
    )


def _azure_digital_twins(request: PostDeployRequest, config: ProjectConfig, topology: Topology) -> str:
    from twin_ops.post_deploy.azure_data_plane import DIGITAL_TWINS_SCOPE, AzureDataPlane, EntraTokens
    from twin_ops.post_deploy.azure_digital_twins import (
        SCENES_DIR, SCENES_OUTPUT, BlobContainer, DigitalTwinsApi, read_files, scene_files, upload, upload_scene,
    )
    from twin_ops.post_deploy.terraform_state import StackState

    stack_dir = _stack_dir(request, topology, Layer.L4)
    models, twins = read_files(stack_dir)
    state = StackState.read(request.terraform, stack_dir)
    host = state.attribute("azurerm_digital_twins_instance", "host_name")
    tokens = EntraTokens()
    result = upload(models, twins, DigitalTwinsApi(AzureDataPlane(host, DIGITAL_TWINS_SCOPE, tokens)))
    line = f"Azure Digital Twins {host}: {result.summary()}"
    if (stack_dir / SCENES_DIR).is_dir():
        container_url = state.output(SCENES_OUTPUT)
        count = upload_scene(scene_files(stack_dir, container_url), BlobContainer(container_url, tokens))
        line += f"; 3D scene: {count} files in {container_url} (open it in 3D Scenes Studio)"
    return line


def _gcp_telemetry_topic(request: PostDeployRequest, config: ProjectConfig, topology: Topology) -> str:
    from twin_ops.post_deploy.gcp_telemetry_topic import write_pubsub_target
    from twin_ops.post_deploy.terraform_state import StackState

    state = StackState.read(request.terraform, _stack_dir(request, topology, Layer.L1))
    with_feedback = Features.of(config.flags).device_feedback  # from L2 on Google, or over the feedback bridge
    target = write_pubsub_target(request.project, config.name, [d.id for d in config.devices], state, with_feedback)
    return (
        f"simulator target {target.pubsub.topic}. Devices publish as {target.pubsub.publisher_account}: create its key "
        f"yourself (gcloud iam service-accounts keys create KEY.json --iam-account {target.pubsub.publisher_account}) "
        "and set GOOGLE_APPLICATION_CREDENTIALS=KEY.json before `python -m cdk_app simulate`"
    )


def _aws_grafana_dashboards(request: PostDeployRequest, config: ProjectConfig, topology: Topology) -> str:
    import boto3

    from twin_ops.post_deploy.aws_grafana import aws_source, stack_outputs, workspace_token
    from twin_ops.post_deploy.azure_data_plane import https_request
    from twin_ops.post_deploy.grafana import GrafanaApi, device_series, provision
    from twin_ops.post_deploy.grafana_admin import aws_grant_admin
    from twin_contract import dashboards

    region = request.region or os.environ.get("AWS_REGION") or _synth_default_region()
    session = boto3.Session(region_name=region)
    outputs = stack_outputs(session.client("cloudformation"), topology.stack_name(Layer.L5))
    source = aws_source(outputs, session.client("secretsmanager"), region)
    endpoint = outputs[dashboards.AWS_GRAFANA_ENDPOINT]
    workspace_id = outputs[dashboards.AWS_GRAFANA_WORKSPACE_ID]
    with workspace_token(session.client("grafana"), workspace_id) as token:
        api = GrafanaApi(endpoint, lambda: token, https_request)
        result = provision(api, config.name, device_series(config), source, install_infinity=True)
    admin = aws_grant_admin(config.user, workspace_id, session.client("sso-admin"), session.client("identitystore"),
                            session.client("grafana"))
    return f"{result.summary(endpoint)}; {admin}"


def _azure_grafana_dashboards(request: PostDeployRequest, config: ProjectConfig, topology: Topology) -> str:
    from twin_contract import dashboards
    from twin_ops.post_deploy.azure_data_plane import AzureDataPlane, EntraTokens, https_request
    from twin_ops.post_deploy.azure_grafana import (
        GRAFANA_SCOPE, MANAGEMENT_HOST, MANAGEMENT_SCOPE, VAULT_SCOPE, ensure_plugin, read_spec, reader_source,
    )
    from twin_ops.post_deploy.grafana import GrafanaApi, device_series, provision
    from twin_ops.post_deploy.grafana_admin import GRAPH_HOST, GRAPH_SCOPE, azure_grant_admin
    from twin_ops.post_deploy.terraform_state import StackState

    stack_dir = _stack_dir(request, topology, Layer.L5)
    state, spec, tokens = StackState.read(request.terraform, stack_dir), read_spec(stack_dir), EntraTokens()
    grafana_id = state.attribute("azurerm_dashboard_grafana", "id")
    endpoint = state.attribute("azurerm_dashboard_grafana", "endpoint")
    installed = ensure_plugin(AzureDataPlane(MANAGEMENT_HOST, MANAGEMENT_SCOPE, tokens), grafana_id, dashboards.INFINITY_PLUGIN)
    source = reader_source(spec, state, AzureDataPlane(f"{spec.token_vault}.vault.azure.net", VAULT_SCOPE, tokens))
    api = GrafanaApi(endpoint, lambda: tokens(GRAFANA_SCOPE), https_request)
    result = provision(api, config.name, device_series(config), source)
    admin = azure_grant_admin(config.user, grafana_id, AzureDataPlane(GRAPH_HOST, GRAPH_SCOPE, tokens),
                              AzureDataPlane(MANAGEMENT_HOST, MANAGEMENT_SCOPE, tokens))
    return ("Infinity plugin added; " if installed else "") + f"{result.summary(endpoint)}; {admin}"


# Each step's wiring to the real clouds; its result line is printed.
RUNNERS: dict[str, Callable[[PostDeployRequest, ProjectConfig, Topology], str]] = {
    "aws-device-certificates": _aws_device_certificates,
    "azure-device-identities": _azure_device_identities,
    "azure-digital-twins": _azure_digital_twins,
    "gcp-telemetry-topic": _gcp_telemetry_topic,
    "aws-grafana-dashboards": _aws_grafana_dashboards,
    "azure-grafana-dashboards": _azure_grafana_dashboards,
}
