"""Grafana after L5: the data source that reaches the twin, and one dashboard per twin.

Where the data source reads (docs/design.md §4, "Dashboards"):
- the twin on AWS and Grafana too: the TwinMaker data source, assuming the L5 stack's dashboard role;
- otherwise reader endpoints over HTTPS with their token, through the Infinity plugin: the L3 hot →
  L5 dashboard connection when Grafana is not on the twin's cloud, the twin's own readers on Azure
  when both are there. Queries are the neutral reader queries (docs/design.md §5).
The dashboard has a row per device: its latest values, and each property's history over the
dashboard's time range. Everything here is pure over an injected Grafana HTTP API (`GrafanaApi`);
`cli.py` builds the real clients. Every call is idempotent: data source and dashboard have fixed
uids, so a re-run updates them in place.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from twin_model.config.model import HierarchyEntity, ProjectConfig
from twin_contract import dashboards
from twin_contract.wire import TOKEN_HEADER
from twin_ops.post_deploy import PostDeployError

# The newest readings per panel and time range (the reader's cap, docs/design.md §5).
MAX_POINTS = 1000
NUMERIC = {"DOUBLE", "INTEGER", "LONG"}
COLUMN_TYPES = {"DOUBLE": "number", "INTEGER": "number", "LONG": "number", "BOOLEAN": "boolean", "STRING": "string"}
PANEL_WIDTH, PANEL_HEIGHT = 8, 8
LOOPBACK = ("127.0.0.1", "localhost", "::1")

Transport = Callable[[str, str, Mapping[str, str], bytes | None], tuple[int, dict[str, str], bytes]]


class GrafanaError(PostDeployError):
    pass


@dataclass(frozen=True)
class DeviceSeries:
    """What the dashboard shows of one device."""

    device_id: str
    properties: tuple[tuple[str, str], ...]  # (name, data type)
    twin_component: tuple[str, str] | None = None  # (TwinMaker entity id, component name) in the hierarchy


def device_series(config: ProjectConfig) -> tuple[DeviceSeries, ...]:
    components = dict(_device_components(config.hierarchy))
    return tuple(
        DeviceSeries(d.id, tuple((p.name, p.data_type) for p in d.properties), components.get(d.id)) for d in config.devices
    )


def _device_components(entities: Sequence[HierarchyEntity]):
    for entity in entities:
        for component in entity.components:
            if component.iot_device_id:
                yield component.iot_device_id, (entity.id, component.name)
        yield from _device_components(entity.children)


@dataclass(frozen=True)
class ReaderSource:
    """Reader endpoints (range and latest) guarded by a token; `token` is the secret's value."""

    url: str
    last_entry_url: str
    token: str

    def datasource(self, twin_name: str) -> dict[str, Any]:
        origins = sorted({_origin(self.url), _origin(self.last_entry_url)})
        return {
            "uid": dashboards.READER_DATASOURCE_UID,
            "name": f"{twin_name} hot data",
            "type": dashboards.INFINITY_PLUGIN,
            "access": "proxy",
            # Grafana's server calls the readers (never the browser), only these hosts, with the header.
            "jsonData": {"allowedHosts": origins, "httpHeaderName1": TOKEN_HEADER},
            "secureJsonData": {"httpHeaderValue1": self.token},
        }

    def history(self, device: DeviceSeries, prop: str, data_type: str) -> dict[str, Any] | None:
        body = {
            "device_id": device.device_id,
            "properties": [prop],
            "start_time": "${__from:date:iso}",
            "end_time": "${__to:date:iso}",
            "max_results": MAX_POINTS,
            "order": "DESCENDING",  # the newest readings when the range holds more; the panel sorts by time
        }
        return self._target(self.url, body, "items", [(prop, data_type)])

    def latest(self, device: DeviceSeries) -> dict[str, Any] | None:
        body = {"device_id": device.device_id, "properties": [name for name, _ in device.properties]}
        return self._target(self.last_entry_url, body, "", list(device.properties))

    @staticmethod
    def _target(url: str, body: dict, root: str, columns: Sequence[tuple[str, str]]) -> dict[str, Any]:
        return {
            "datasource": {"type": dashboards.INFINITY_PLUGIN, "uid": dashboards.READER_DATASOURCE_UID},
            "type": "json",
            "source": "url",
            "parser": "backend",
            "format": "table",
            "url": url,
            "url_options": {
                "method": "POST",
                "body_type": "raw",
                "body_content_type": "application/json",
                "data": json.dumps(body, separators=(",", ":")),
            },
            "root_selector": root,
            "columns": [{"selector": "timestamp", "text": "time", "type": "timestamp"}]
            + [{"selector": f"values.{name}", "text": name, "type": COLUMN_TYPES[kind]} for name, kind in columns],
        }


@dataclass(frozen=True)
class TwinMakerSource:
    """The twin's TwinMaker workspace, read through the dashboard role (Grafana on AWS, twin on AWS)."""

    workspace_id: str
    region: str
    dashboard_role_arn: str

    def datasource(self, twin_name: str) -> dict[str, Any]:
        return {
            "uid": dashboards.TWINMAKER_DATASOURCE_UID,
            "name": f"{twin_name} TwinMaker",
            "type": dashboards.TWINMAKER_PLUGIN,
            "access": "proxy",
            # "Workspace IAM role" credentials, narrowed to the dashboard role (the plugin requires one).
            "jsonData": {
                "authType": "ec2_iam_role",
                "defaultRegion": self.region,
                "assumeRoleArn": self.dashboard_role_arn,
                "workspaceId": self.workspace_id,
            },
        }

    def history(self, device: DeviceSeries, prop: str, data_type: str) -> dict[str, Any] | None:
        return self._target(device, "ComponentHistory", [prop])

    def latest(self, device: DeviceSeries) -> dict[str, Any] | None:
        return self._target(device, "GetPropertyValue", [name for name, _ in device.properties])

    @staticmethod
    def _target(device: DeviceSeries, query_type: str, properties: list[str]) -> dict[str, Any] | None:
        if device.twin_component is None:
            return None  # the device is in no entity of the hierarchy: TwinMaker has no component for it
        entity_id, component = device.twin_component
        return {
            "datasource": {"type": dashboards.TWINMAKER_PLUGIN, "uid": dashboards.TWINMAKER_DATASOURCE_UID},
            "queryType": query_type,
            "entityId": entity_id,
            "componentName": component,
            "properties": properties,
        }


Source = ReaderSource | TwinMakerSource


def twin_dashboard(twin_name: str, devices: Sequence[DeviceSeries], source: Source) -> dict[str, Any]:
    """One dashboard for the twin: per device a row with its latest values and a history panel per property."""
    panels: list[dict[str, Any]] = []
    next_id = iter(range(1, 1_000_000))
    y = 0
    for device in devices:
        panels.append({"id": next(next_id), "type": "row", "title": device.device_id, "collapsed": False,
                       "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}, "panels": []})
        y += 1
        if source.latest(device) is None:  # TwinMaker has no component for a device in no entity
            cells = [_note(device, next(next_id))]
        else:
            cells = [_latest_panel(device, source, next(next_id))]
            cells += [_history_panel(device, name, kind, source, next(next_id)) for name, kind in device.properties]
        for index, panel in enumerate(cells):
            panel["gridPos"] = {"h": PANEL_HEIGHT, "w": PANEL_WIDTH, "x": (index % 3) * PANEL_WIDTH,
                                "y": y + (index // 3) * PANEL_HEIGHT}
        y += ((len(cells) + 2) // 3) * PANEL_HEIGHT
        panels.extend(cells)
    return {
        "uid": dashboards.dashboard_uid(twin_name),
        "title": f"Digital twin {twin_name}",
        "tags": ["digital-twin", twin_name],
        "timezone": "utc",
        "schemaVersion": 39,
        "time": {"from": "now-24h", "to": "now"},
        "refresh": "1m",
        "panels": panels,
    }


def _latest_panel(device: DeviceSeries, source: Source, panel_id: int) -> dict[str, Any]:
    target = source.latest(device)
    return {
        "id": panel_id,
        "type": "stat",
        "title": f"{device.device_id}: latest values",
        "datasource": target["datasource"],
        "targets": [{**target, "refId": "A"}],
        "options": {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}, "textMode": "value_and_name"},
    }


def _history_panel(device: DeviceSeries, prop: str, data_type: str, source: Source, panel_id: int) -> dict[str, Any]:
    target = source.history(device, prop, data_type)
    numeric = data_type in NUMERIC
    return {
        "id": panel_id,
        "type": "timeseries" if numeric else "state-timeline",
        "title": f"{device.device_id}: {prop}",
        "datasource": target["datasource"],
        "targets": [{**target, "refId": "A"}],
        "transformations": [{"id": "sortBy", "options": {"sort": [{"field": "time"}]}}],
    }


def _note(device: DeviceSeries, panel_id: int) -> dict[str, Any]:
    return {
        "id": panel_id,
        "type": "text",
        "title": f"{device.device_id}: not in the twin",
        "options": {"mode": "markdown", "content": f"`{device.device_id}` is in no entity of the twin's hierarchy, "
                                                    "so TwinMaker has no component to read it from."},
    }


def _origin(url: str) -> str:
    """The URL's origin for the data source's allowed hosts: HTTPS only (plain http on loopback, in tests)."""
    parts = urlsplit(url)
    loopback = parts.scheme == "http" and parts.hostname in LOOPBACK
    if not parts.hostname or not (parts.scheme == "https" or loopback):
        raise GrafanaError(f"a dashboard reader URL must be https: {parts.scheme}://{parts.netloc}")
    return f"{parts.scheme}://{parts.netloc}"


# --- the Grafana HTTP API -------------------------------------------------------------------------


class GrafanaApi:
    """JSON calls to one Grafana instance with a bearer token (service account or Entra ID)."""

    def __init__(self, endpoint: str, token: Callable[[], str], transport: Transport) -> None:
        self._base = endpoint if "://" in endpoint else f"https://{endpoint}"
        self._token, self._transport = token, transport

    def call(self, method: str, path: str, body: Any = None, allow: tuple[int, ...] = ()) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {self._token()}", "Accept": "application/json"}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode()
        status, _, payload = self._transport(method, self._base + path, headers, data)
        if not 200 <= status < 300 and status not in allow:
            raise GrafanaError(f"Grafana {method} {path} → HTTP {status}{_message(payload)}")
        try:
            return status, json.loads(payload) if payload else None
        except ValueError:
            return status, None


def _message(payload: bytes) -> str:
    """Grafana's `message`, which names the problem (never the request, which may hold the token)."""
    try:
        message = json.loads(payload).get("message")
    except (ValueError, AttributeError):
        return ""
    return f": {str(message)[:200]}" if message else ""


@dataclass(frozen=True)
class Provisioned:
    datasource: str  # "created" or "updated"
    dashboard_url: str
    plugin_installed: bool = False

    def summary(self, grafana: str) -> str:
        plugin = "Infinity plugin installed; " if self.plugin_installed else ""
        return f"Grafana {grafana}: {plugin}data source {self.datasource}, dashboard {self.dashboard_url}"


def install_plugin_if_missing(api: GrafanaApi, plugin_id: str) -> bool:
    """Amazon Managed Grafana with plugin management on: install from the catalog when missing."""
    status, _ = api.call("GET", f"/api/plugins/{plugin_id}/settings", allow=(404,))
    if status != 404:
        return False
    api.call("POST", f"/api/plugins/{plugin_id}/install", {})
    return True


def upsert_datasource(api: GrafanaApi, datasource: Mapping[str, Any]) -> str:
    status, _ = api.call("GET", f"/api/datasources/uid/{datasource['uid']}", allow=(404,))
    if status == 404:
        api.call("POST", "/api/datasources", dict(datasource))
        return "created"
    api.call("PUT", f"/api/datasources/uid/{datasource['uid']}", dict(datasource))
    return "updated"


def upsert_dashboard(api: GrafanaApi, dashboard: Mapping[str, Any]) -> str:
    _, answer = api.call(
        "POST", "/api/dashboards/db", {"dashboard": {**dashboard, "id": None}, "overwrite": True,
                                       "message": "provisioned by the twin's post-deploy step"},
    )
    return (answer or {}).get("url", dashboard["uid"])


def provision(
    api: GrafanaApi, twin_name: str, devices: Sequence[DeviceSeries], source: Source, install_infinity: bool = False
) -> Provisioned:
    """The data source, then the dashboard that uses it."""
    installed = install_infinity and isinstance(source, ReaderSource) and install_plugin_if_missing(
        api, dashboards.INFINITY_PLUGIN
    )
    created = upsert_datasource(api, source.datasource(twin_name))
    url = upsert_dashboard(api, twin_dashboard(twin_name, devices, source))
    return Provisioned(created, url, bool(installed))
