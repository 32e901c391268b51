"""Azure Managed Grafana after L5 on Azure: the Infinity plugin, and the reader data source.

Plugins of Azure Managed Grafana are a property of the Azure resource (`grafanaPlugins`), not of the
Grafana API: the step adds Infinity there and waits for the update. The data source's URLs are the
L5 stack's outputs; its token is the vault secret `grafana/datasources.json` names (the L5 vault's
copy for the dashboard connection, the twin's own for readers on Azure), read with the deployer's
Entra ID token and stored only in Grafana's encrypted data source fields.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from twin_contract import dashboards
from twin_model.config.model import Layer, ProjectConfig
from twin_model.topology import Topology, TwinStack
from twin_ops.post_deploy import LocalTwin, PostDeployError, PostDeployRequest
from twin_ops.post_deploy.azure_data_plane import AzureDataPlane, EntraTokens, https_request, resource_path
from twin_ops.post_deploy.grafana import GrafanaApi, ReaderSource, device_series, provision
from twin_ops.post_deploy.grafana_admin import GRAPH_HOST, GRAPH_SCOPE, azure_grant_admin
from twin_ops.post_deploy.terraform_state import StackState

MANAGEMENT_HOST = "management.azure.com"
MANAGEMENT_SCOPE = "https://management.azure.com/.default"
VAULT_SCOPE = "https://vault.azure.net/.default"
GRAFANA_SCOPE = "ce34e7e5-485f-4d76-964f-b3d2b16d1e4f/.default"  # Azure Managed Grafana's application
GRAFANA_API_VERSION = "2024-10-01"
VAULT_API_VERSION = "7.4"
PLUGIN_WAIT_SECONDS, POLL_SECONDS = 900, 15


@dataclass(frozen=True)
class ReaderSpec:
    """The data source the L5 stack wrote down (no secret in it)."""

    url_output: str
    last_entry_url_output: str
    token_vault: str
    token_secret: str


def read_spec(stack_dir: Path) -> ReaderSpec:
    path = stack_dir / dashboards.AZURE_DATASOURCES_FILE
    if not path.is_file():
        raise PostDeployError(f"{path} is missing: synthesize first")
    (entry,) = json.loads(path.read_text(encoding="utf-8"))["datasources"]
    return ReaderSpec(entry["url_output"], entry["last_entry_url_output"], entry["token_vault"], entry["token_secret"])


def reader_source(spec: ReaderSpec, state: StackState, vault: AzureDataPlane) -> ReaderSource:
    _, secret = vault.call("GET", resource_path(VAULT_API_VERSION, "secrets", spec.token_secret))
    return ReaderSource(state.output(spec.url_output), state.output(spec.last_entry_url_output), secret["value"])


def ensure_plugin(
    arm: AzureDataPlane, grafana_id: str, plugin_id: str, sleep: Callable[[float], None] = time.sleep
) -> bool:
    """Add `plugin_id` to the instance's plugins unless it is there; True when it was added."""
    path = f"{grafana_id}?api-version={GRAFANA_API_VERSION}"
    _, resource = arm.call("GET", path)
    plugins = dict((resource.get("properties") or {}).get("grafanaPlugins") or {})
    if plugin_id in plugins:
        return False
    arm.call("PATCH", path, {"properties": {"grafanaPlugins": {**plugins, plugin_id: {}}}})
    for _ in range(PLUGIN_WAIT_SECONDS // POLL_SECONDS):
        _, resource = arm.call("GET", path)
        state = (resource.get("properties") or {}).get("provisioningState")
        if state == "Succeeded":
            return True
        if state in ("Failed", "Canceled"):
            raise PostDeployError(f"adding the {plugin_id} plugin to {grafana_id} ended {state}")
        sleep(POLL_SECONDS)
    raise PostDeployError(f"adding the {plugin_id} plugin to {grafana_id} did not finish in {PLUGIN_WAIT_SECONDS} s")


def run(request: PostDeployRequest, config: ProjectConfig, topology: Topology) -> str:
    """The step against the real clouds: its clients built here, its result line returned."""
    stack_dir = request.stack_dir(topology, Layer.L5)
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


def run_locally(local: LocalTwin, stack: TwinStack) -> None:
    """Nothing at deploy time: `make local` builds this step's data source and dashboard from the
    L5 stack's `grafana/datasources.json` when it reads the dashboards (twin_ops/local/dashboards.py)."""
