"""Amazon Managed Grafana after L5 on AWS: what the stack's outputs say, and a short-lived API token.

The L5 stack's outputs (twin_contract/dashboards.py) name the workspace, its endpoint and where the
data source reads: the twin's TwinMaker workspace with the dashboard role, or the dashboard
connection's reader URLs with the name of the token's secret (read here, stored by Grafana in the
data source's encrypted fields). The Grafana API is called with a service-account token that lives
15 minutes and is deleted when the step ends.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from twin_contract import dashboards
from twin_model.config.model import Layer, ProjectConfig
from twin_model.topology import Topology, TwinStack
from twin_ops.post_deploy import LocalTwin, PostDeployError, PostDeployRequest
from twin_ops.post_deploy.azure_data_plane import https_request
from twin_ops.post_deploy.grafana import GrafanaApi, ReaderSource, Source, TwinMakerSource, device_series, provision
from twin_ops.post_deploy.grafana_admin import aws_grant_admin

SERVICE_ACCOUNT = "digital-twin-provisioning"
TOKEN_SECONDS = 900


def stack_outputs(cloudformation: Any, stack_name: str) -> dict[str, str]:
    try:
        (stack,) = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except cloudformation.exceptions.ClientError as error:
        raise PostDeployError(f"stack {stack_name} is not deployed: {error}") from error
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def aws_source(outputs: Mapping[str, str], secretsmanager: Any, region: str) -> Source:
    if dashboards.AWS_TWINMAKER_WORKSPACE_ID in outputs:
        return TwinMakerSource(
            outputs[dashboards.AWS_TWINMAKER_WORKSPACE_ID], region, outputs[dashboards.AWS_TWINMAKER_DASHBOARD_ROLE]
        )
    if dashboards.AWS_READER_URL in outputs:
        token = secretsmanager.get_secret_value(SecretId=outputs[dashboards.AWS_READER_TOKEN_SECRET])["SecretString"]
        return ReaderSource(outputs[dashboards.AWS_READER_URL], outputs[dashboards.AWS_READER_LAST_ENTRY_URL], token)
    raise PostDeployError("the L5 stack names no data source (redeploy it with this version of the app)")


@contextmanager
def workspace_token(grafana: Any, workspace_id: str) -> Iterator[str]:
    """An ADMIN service-account token of the workspace for this step only (created, then deleted)."""
    accounts = grafana.list_workspace_service_accounts(workspaceId=workspace_id)["serviceAccounts"]
    account = next((a for a in accounts if a["name"] == SERVICE_ACCOUNT), None)
    if account is None:
        account = grafana.create_workspace_service_account(
            workspaceId=workspace_id, name=SERVICE_ACCOUNT, grafanaRole="ADMIN"
        )
    created = grafana.create_workspace_service_account_token(
        workspaceId=workspace_id, serviceAccountId=account["id"], name=f"{SERVICE_ACCOUNT}-step",
        secondsToLive=TOKEN_SECONDS,
    )["serviceAccountToken"]
    try:
        yield created["key"]
    finally:
        grafana.delete_workspace_service_account_token(
            workspaceId=workspace_id, serviceAccountId=account["id"], tokenId=created["id"]
        )


def run(request: PostDeployRequest, config: ProjectConfig, topology: Topology) -> str:
    """The step against the real clouds: its clients built here, its result line returned."""
    import boto3


    region = request.aws_region
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


def run_locally(local: LocalTwin, stack: TwinStack) -> None:
    """Nothing at deploy time: `make local` builds this step's data source and dashboard from the
    L5 stack's outputs when it reads the dashboards (twin_ops/local/dashboards.py)."""
