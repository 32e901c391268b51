"""Grafana provisioning after L5: the data source that reaches the twin and the twin's one dashboard,
through a Grafana HTTP API stand-in on 127.0.0.1; the AWS and Azure steps' cloud boundaries faked.

Expected values come from the contracts: the reader wire (docs/design.md §5), the Grafana HTTP API
(/api/datasources, /api/dashboards/db, /api/plugins), the Azure resource's `grafanaPlugins`.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from twin_model.config import load_project
from twin_model.config.model import Layer, Provider
from twin_contract import dashboards
from twin_contract.wire import TOKEN_HEADER
from twin_model.deploy_plan import POST_DEPLOY_STEPS
from twin_ops.post_deploy import PostDeployError
from twin_ops.post_deploy.aws_grafana_dashboards import aws_source, workspace_token
from twin_ops.post_deploy.azure_data_plane import AzureDataPlane
from twin_ops.post_deploy.azure_grafana_dashboards import ReaderSpec, ensure_plugin, reader_source
from twin_ops.post_deploy.grafana import (
    DeviceSeries,
    GrafanaApi,
    GrafanaError,
    ReaderSource,
    TwinMakerSource,
    device_series,
    provision,
    twin_dashboard,
)
from twin_ops.post_deploy.terraform_state import StackState

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "factory-floor"
SECRET = "reader-token-do-not-log-0123456789"
READERS = ReaderSource("https://readers.example/range", "https://latest.example/last", SECRET)
PRESS = DeviceSeries("press-01", (("temperature", "DOUBLE"), ("running", "BOOLEAN")), ("press-01-station", "press"))
LOOSE = DeviceSeries("loose-01", (("speed", "DOUBLE"),))


class FakeGrafana:
    """The parts of the Grafana HTTP API the step uses, keeping data sources and dashboards by uid."""

    def __init__(self, plugins: set[str] | None = None) -> None:
        self.datasources: dict[str, dict] = {}
        self.dashboards: dict[str, dict] = {}
        self.plugins = plugins if plugins is not None else set()
        self.requests: list[tuple[str, str, dict, bytes]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status: int, body: Any) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                owner.requests.append((self.command, self.path, dict(self.headers), body))
                if self.headers.get("Authorization") != "Bearer grafana-token":
                    return self._answer(401, {"message": "Unauthorized"})
                self._answer(*owner.route(self.command, self.path, json.loads(body) if body else None))

            do_GET = do_POST = do_PUT = _handle

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True).start()

    def route(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        if path.startswith("/api/plugins/"):
            plugin = path.split("/")[3]
            if method == "GET":
                return (200, {"id": plugin}) if plugin in self.plugins else (404, {"message": "Plugin not found"})
            self.plugins.add(plugin)
            return 200, {}
        if path.startswith("/api/datasources/uid/"):
            uid = path.rsplit("/", 1)[1]
            if method == "GET":
                found = self.datasources.get(uid)
                if not found:
                    return 404, {"message": "Data source not found"}
                return 200, {k: v for k, v in found.items() if k != "secureJsonData"}
            if uid not in self.datasources:
                return 404, {"message": "Data source not found"}
            self.datasources[uid] = body
            return 200, {"message": "Datasource updated"}
        if path == "/api/datasources" and method == "POST":
            if body["uid"] in self.datasources:
                return 409, {"message": "data source with the same uid already exists"}
            self.datasources[body["uid"]] = body
            return 200, {"message": "Datasource added"}
        if path == "/api/dashboards/db" and method == "POST":
            dashboard = body["dashboard"]
            if dashboard["uid"] in self.dashboards and not body.get("overwrite"):
                return 412, {"message": "version-mismatch"}
            self.dashboards[dashboard["uid"]] = dashboard
            return 200, {"url": f"/d/{dashboard['uid']}/twin", "status": "success"}
        return 404, {"message": "Not found"}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def api(self, token: str = "grafana-token") -> GrafanaApi:
        from tests.deploy.grafana_transport import http_transport

        return GrafanaApi(self.url, lambda: token, http_transport)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def grafana():
    fake = FakeGrafana()
    yield fake
    fake.stop()


# --- the dashboard --------------------------------------------------------------------------------


def test_every_device_of_the_project_gets_its_properties_and_its_twin_component():
    series = {d.device_id: d for d in device_series(load_project(EXAMPLE))}
    assert series["press-01"].properties == (("temperature", "DOUBLE"), ("pressure", "DOUBLE"), ("cycleCount", "LONG"))
    assert series["press-01"].twin_component == ("press-01-station", "press")
    assert series["air-quality-01"].twin_component == ("hall-a-climate", "airQuality")


def test_one_dashboard_per_twin_a_row_per_device_latest_values_and_a_history_per_property():
    dashboard = twin_dashboard("factory-floor", [PRESS, LOOSE], READERS)
    assert dashboard["uid"] == "dt-factory-floor" and dashboard["title"] == "Digital twin factory-floor"
    rows = [p["title"] for p in dashboard["panels"] if p["type"] == "row"]
    assert rows == ["press-01", "loose-01"]
    titles = [p["title"] for p in dashboard["panels"] if p["type"] != "row"]
    assert titles == ["press-01: latest values", "press-01: temperature", "press-01: running",
                      "loose-01: latest values", "loose-01: speed"]
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    kinds = {p["title"]: p["type"] for p in dashboard["panels"]}
    assert kinds["press-01: temperature"] == "timeseries" and kinds["press-01: running"] == "state-timeline"
    assert kinds["press-01: latest values"] == "stat"


def test_reader_queries_are_the_wire_contracts_range_and_latest_queries():
    panels = {p["title"]: p for p in twin_dashboard("t", [PRESS], READERS)["panels"]}
    (history,) = panels["press-01: temperature"]["targets"]
    assert history["url"] == READERS.url and history["url_options"]["method"] == "POST"
    assert json.loads(history["url_options"]["data"]) == {
        "device_id": "press-01", "properties": ["temperature"], "start_time": "${__from:date:iso}",
        "end_time": "${__to:date:iso}", "max_results": 1000, "order": "DESCENDING",
    }
    assert history["root_selector"] == "items"
    assert [c["selector"] for c in history["columns"]] == ["timestamp", "values.temperature"]
    (latest,) = panels["press-01: latest values"]["targets"]
    assert latest["url"] == READERS.last_entry_url
    assert json.loads(latest["url_options"]["data"]) == {"device_id": "press-01", "properties": ["temperature", "running"]}
    assert [c["type"] for c in latest["columns"]] == ["timestamp", "number", "boolean"]


def test_the_reader_data_source_sends_the_token_header_only_to_the_readers_hosts():
    datasource = READERS.datasource("t")
    assert datasource["type"] == dashboards.INFINITY_PLUGIN and datasource["uid"] == dashboards.READER_DATASOURCE_UID
    assert datasource["jsonData"] == {"allowedHosts": ["https://latest.example", "https://readers.example"],
                                      "httpHeaderName1": TOKEN_HEADER}
    assert datasource["secureJsonData"] == {"httpHeaderValue1": SECRET}
    assert SECRET not in json.dumps(twin_dashboard("t", [PRESS], READERS))  # the token is the data source's only


def test_readers_must_be_https():
    with pytest.raises(GrafanaError, match="must be https"):
        ReaderSource("http://readers.example/range", "https://x.example/", SECRET).datasource("t")


def test_twinmaker_queries_name_the_devices_entity_and_component():
    source = TwinMakerSource("ws-1", "eu-central-1", "arn:aws:iam::1:role/dash")
    assert source.datasource("t")["jsonData"] == {
        "authType": "ec2_iam_role", "defaultRegion": "eu-central-1", "assumeRoleArn": "arn:aws:iam::1:role/dash",
        "workspaceId": "ws-1",
    }
    panels = {p["title"]: p for p in twin_dashboard("t", [PRESS, LOOSE], source)["panels"]}
    (history,) = panels["press-01: temperature"]["targets"]
    assert {k: history[k] for k in ("queryType", "entityId", "componentName", "properties")} == {
        "queryType": "ComponentHistory", "entityId": "press-01-station", "componentName": "press",
        "properties": ["temperature"]}
    assert panels["press-01: latest values"]["targets"][0]["queryType"] == "GetPropertyValue"
    loose = [p for title, p in panels.items() if title.startswith("loose-01") and p["type"] != "row"]
    assert [p["type"] for p in loose] == ["text"]  # in no entity: said, not silently empty


# --- provisioning ---------------------------------------------------------------------------------


def test_provisioning_creates_then_updates_in_place(grafana):
    first = provision(grafana.api(), "t", [PRESS], READERS, install_infinity=True)
    assert first.datasource == "created" and first.plugin_installed and first.dashboard_url == "/d/dt-t/twin"
    assert dashboards.INFINITY_PLUGIN in grafana.plugins
    second = provision(grafana.api(), "t", [PRESS, LOOSE], READERS, install_infinity=True)
    assert second.datasource == "updated" and not second.plugin_installed
    assert list(grafana.datasources) == [dashboards.READER_DATASOURCE_UID] and list(grafana.dashboards) == ["dt-t"]
    assert len([p for p in grafana.dashboards["dt-t"]["panels"] if p["type"] == "row"]) == 2


def test_the_twinmaker_source_needs_no_plugin_install(grafana):
    provision(grafana.api(), "t", [PRESS], TwinMakerSource("ws", "eu-west-1", "arn:role"), install_infinity=True)
    assert grafana.plugins == set() and list(grafana.datasources) == [dashboards.TWINMAKER_DATASOURCE_UID]


def test_a_refused_call_names_the_call_and_never_the_token(grafana):
    with pytest.raises(GrafanaError, match=r"GET /api/datasources/uid/dt-hot-readers → HTTP 401: Unauthorized") as failure:
        provision(grafana.api("wrong"), "t", [PRESS], READERS)
    assert SECRET not in str(failure.value)


def test_the_steps_are_declared_for_l5_on_each_cloud_that_hosts_it():
    declared = {(step.name, step.cloud, step.layer) for step in POST_DEPLOY_STEPS}
    assert {("aws-grafana-dashboards", Provider.AWS, Layer.L5), ("azure-grafana-dashboards", Provider.AZURE, Layer.L5)} <= declared


# --- the AWS step's boundary ----------------------------------------------------------------------


class FakeSecrets:
    def get_secret_value(self, SecretId: str) -> dict:
        assert SecretId == "twin/inter-cloud/google_l3_hot_to_aws_l5_dashboard/token"
        return {"SecretString": SECRET}


def test_aws_outputs_choose_twinmaker_when_the_twin_is_on_aws():
    outputs = {dashboards.AWS_TWINMAKER_WORKSPACE_ID: "ws", dashboards.AWS_TWINMAKER_DASHBOARD_ROLE: "arn:role"}
    assert aws_source(outputs, FakeSecrets(), "eu-west-1") == TwinMakerSource("ws", "eu-west-1", "arn:role")


def test_aws_outputs_choose_the_dashboard_connection_and_read_its_token():
    outputs = {dashboards.AWS_READER_URL: "https://r.example/", dashboards.AWS_READER_LAST_ENTRY_URL: "https://l.example/",
               dashboards.AWS_READER_TOKEN_SECRET: "twin/inter-cloud/google_l3_hot_to_aws_l5_dashboard/token"}
    assert aws_source(outputs, FakeSecrets(), "eu-west-1") == ReaderSource("https://r.example/", "https://l.example/", SECRET)
    with pytest.raises(PostDeployError, match="names no data source"):
        aws_source({}, FakeSecrets(), "eu-west-1")


class FakeAmg:
    def __init__(self, accounts: list[dict]) -> None:
        self.accounts, self.calls = accounts, []

    def list_workspace_service_accounts(self, workspaceId: str) -> dict:
        return {"serviceAccounts": self.accounts}

    def create_workspace_service_account(self, **kwargs: Any) -> dict:
        self.calls.append(("create_account", kwargs))
        return {"id": "sa-2", "name": kwargs["name"]}

    def create_workspace_service_account_token(self, **kwargs: Any) -> dict:
        self.calls.append(("create_token", kwargs))
        return {"serviceAccountToken": {"id": "tok-1", "key": "glsa_key"}}

    def delete_workspace_service_account_token(self, **kwargs: Any) -> None:
        self.calls.append(("delete_token", kwargs))


@pytest.mark.parametrize("accounts, account_id", [([], "sa-2"), ([{"id": "sa-1", "name": "digital-twin-provisioning"}], "sa-1")])
def test_the_aws_step_uses_a_short_lived_admin_token_and_deletes_it(accounts, account_id):
    amg = FakeAmg(accounts)
    with pytest.raises(RuntimeError), workspace_token(amg, "g-123") as token:
        assert token == "glsa_key"
        raise RuntimeError("a failed provisioning still deletes the token")
    names = [name for name, _ in amg.calls]
    assert names == (["create_account"] if not accounts else []) + ["create_token", "delete_token"]
    created = dict(amg.calls)["create_token"]
    assert created["serviceAccountId"] == account_id and created["secondsToLive"] <= 900
    assert dict(amg.calls)["delete_token"] == {"workspaceId": "g-123", "serviceAccountId": account_id, "tokenId": "tok-1"}
    if not accounts:
        assert dict(amg.calls)["create_account"]["grafanaRole"] == "ADMIN"


# --- the Azure step's boundary --------------------------------------------------------------------


class FakeArm:
    """The Azure Resource Manager answers for one Grafana instance (and a vault), as a Transport."""

    def __init__(self, plugins: dict, states: list[str]) -> None:
        self.plugins, self.states, self.calls = plugins, states, []

    def __call__(self, method: str, url: str, headers: dict, body: bytes | None):
        self.calls.append((method, url, json.loads(body) if body else None))
        if "/secrets/" in url:
            return 200, {}, json.dumps({"value": SECRET}).encode()
        if method == "PATCH":
            self.plugins = json.loads(body)["properties"]["grafanaPlugins"]
            return 200, {}, b"{}"
        state = self.states.pop(0) if self.states else "Succeeded"
        return 200, {}, json.dumps({"properties": {"grafanaPlugins": self.plugins, "provisioningState": state}}).encode()


GRAFANA_ID = "/subscriptions/s/resourceGroups/twin-l5-rg/providers/Microsoft.Dashboard/grafana/twin-abc"


def test_the_azure_step_adds_infinity_to_the_instances_plugins_and_waits():
    arm, slept = FakeArm({"other-plugin": {}}, ["Succeeded", "Updating", "Succeeded"]), []
    plane = AzureDataPlane("management.azure.com", "scope", lambda scope: "t", transport=arm)
    assert ensure_plugin(plane, GRAFANA_ID, dashboards.INFINITY_PLUGIN, sleep=slept.append) is True
    patches = [body for method, _, body in arm.calls if method == "PATCH"]
    assert patches == [{"properties": {"grafanaPlugins": {"other-plugin": {}, dashboards.INFINITY_PLUGIN: {}}}}]
    assert arm.calls[0][1] == f"https://management.azure.com{GRAFANA_ID}?api-version=2024-10-01"
    assert len(slept) == 1  # polled until the update succeeded
    assert ensure_plugin(plane, GRAFANA_ID, dashboards.INFINITY_PLUGIN, sleep=slept.append) is False


def test_a_failed_plugin_update_stops_the_step():
    arm = FakeArm({}, ["Succeeded", "Failed"])
    plane = AzureDataPlane("management.azure.com", "scope", lambda scope: "t", transport=arm)
    with pytest.raises(PostDeployError, match="ended Failed"):
        ensure_plugin(plane, GRAFANA_ID, dashboards.INFINITY_PLUGIN, sleep=lambda s: None)


def test_the_azure_reader_source_comes_from_the_stacks_outputs_and_the_named_vault_secret(tmp_path):
    state = StackState(tmp_path, {"values": {"outputs": {
        dashboards.AZURE_READER_URL: {"value": "https://r.example/api/dashboard-reader"},
        dashboards.AZURE_READER_LAST_ENTRY_URL: {"value": "https://r.example/api/dashboard-reader-last-entry"}}}})
    arm = FakeArm({}, [])
    vault = AzureDataPlane("twin-l5-abc.vault.azure.net", "scope", lambda scope: "t", transport=arm)
    spec = ReaderSpec(dashboards.AZURE_READER_URL, dashboards.AZURE_READER_LAST_ENTRY_URL, "twin-l5-abc", "tok-name")
    source = reader_source(spec, state, vault)
    assert source == ReaderSource("https://r.example/api/dashboard-reader", "https://r.example/api/dashboard-reader-last-entry", SECRET)
    assert arm.calls == [("GET", "https://twin-l5-abc.vault.azure.net/secrets/tok-name?api-version=7.4", None)]
