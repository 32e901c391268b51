"""What the twin's Grafana shows, read the way Grafana reads it.

No Grafana runs here; the dashboard does not need one to be checked. The data source is built
from the synthesized L5 stack by the post-deploy step's own code (twin_ops/post_deploy: the AWS
stack outputs through `aws_source`, the Azure `grafana/datasources.json` through `read_spec`), with
each output and the token resolved from the local deployment. The dashboard is the one that step
provisions (`twin_dashboard`), and each panel's query runs as Grafana runs it: the Infinity
plugin's POST to the reader endpoint with the data source's token header and its time macros
filled in, or the TwinMaker plugin's ComponentHistory through TwinMaker's dataReader.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from twin_model.config.model import Layer, ProjectConfig
from twin_model.topology import Topology
from twin_contract import dashboards
from twin_contract.wire import format_timestamp
from twin_ops.local import census
from twin_ops.local.clouds import local_cloud
from twin_ops.local.deployment import DeploymentError, LocalDeployment
from twin_ops.local.function_host import KeptAlive
from twin_ops.post_deploy.grafana import ReaderSource, Source, device_series, twin_dashboard

HISTORY_PANELS = ("timeseries", "state-timeline")
LATEST_PANEL = "stat"
RANGE = timedelta(hours=24)  # the dashboard's default time range (now-24h → now)
PARALLEL_QUERIES = 4


@dataclass
class Shown:
    history: census.Tally  # records some history panel shows
    latest: dict[str, str]  # device → timestamp its latest-values panel shows
    panels: int
    source: str  # what the data source is, for the table's note


def data_source(deployment: LocalDeployment, topology: Topology, platform: Any) -> Source:
    """The data source the L5 post-deploy step would create, from the synthesized L5 stack."""
    return local_cloud(topology.cloud(Layer.L5)).dashboard_source(deployment, topology.stack_name(Layer.L5), platform)


def shown(config: ProjectConfig, source: Source, platform: Any, http: KeptAlive, now: datetime | None = None) -> Shown:
    """Run every panel's query of the twin's dashboard over its default time range."""
    now = now or datetime.now(timezone.utc)
    macros = {"${__from:date:iso}": format_timestamp(now - RANGE), "${__to:date:iso}": format_timestamp(now)}
    dashboard = twin_dashboard(config.name, device_series(config), source)
    queries = [(panel["type"], target) for panel in dashboard["panels"] if panel["type"] in (*HISTORY_PANELS, LATEST_PANEL)
               for target in panel["targets"]]
    history, latest = census.Tally(), {}
    with ThreadPoolExecutor(max_workers=PARALLEL_QUERIES) as pool:  # a dashboard's panels load side by side
        answers = list(pool.map(lambda query: _run(query[1], source, platform, macros, http, now), queries))
    panels = len(queries)  # one query per panel
    for (kind, _), (device, rows) in zip(queries, answers, strict=True):
        if kind == LATEST_PANEL:
            stamps = [row["timestamp"] for row in rows if row.get("timestamp")]
            if stamps:
                latest[device] = max(stamps)
        else:
            history.add((device, census.plain(str(row["timestamp"]))) for row in rows if row.get("timestamp"))
    kind = "TwinMaker" if source.datasource(config.name)["type"] == dashboards.TWINMAKER_PLUGIN else "reader endpoints"
    return Shown(history, latest, panels, kind)


def _run(target: Mapping[str, Any], source: Source, platform: Any, macros: Mapping[str, str], http: KeptAlive,
         now: datetime) -> tuple[str, list[dict[str, Any]]]:
    """(device, rows with a `timestamp`) of one panel query."""
    if target["datasource"]["type"] == dashboards.TWINMAKER_PLUGIN:
        return _twinmaker(target, platform, now)
    assert isinstance(source, ReaderSource)
    body = target["url_options"]["data"]
    for macro, value in macros.items():
        body = body.replace(macro, value)
    datasource = source.datasource("")
    headers = {"Content-Type": target["url_options"]["body_content_type"],
               datasource["jsonData"]["httpHeaderName1"]: datasource["secureJsonData"]["httpHeaderValue1"]}
    status, payload = http.call(target["url_options"]["method"], target["url"], body.encode(), headers, timeout=60)
    if status != 200:
        raise DeploymentError(f"{target['url']} answered HTTP {status}: {payload[:200]!r}")
    answer = json.loads(payload)
    selected = answer
    for key in filter(None, target["root_selector"].split(".")):
        selected = selected[key]
    rows = selected if isinstance(selected, list) else [selected]
    return json.loads(body)["device_id"], [row for row in rows if isinstance(row, dict)]


def _twinmaker(target: Mapping[str, Any], platform: Any, now: datetime) -> tuple[str, list[dict[str, Any]]]:
    component = platform.twinmaker.component(target["entityId"], target["componentName"])
    if component is None:
        raise DeploymentError(f"TwinMaker has no component {target['componentName']} in entity {target['entityId']}")
    values = platform.twinmaker.history(component, format_timestamp(now - RANGE), format_timestamp(now),
                                        list(target["properties"]), newest=target["queryType"] == "GetPropertyValue")
    return component.device_id, [{"timestamp": value["time"]} for value in values]


def devices_shown(config: ProjectConfig, source: Source) -> set[str]:
    """Devices the dashboard has panels for (TwinMaker has no component for a device in no entity)."""
    return {series.device_id for series in device_series(config) if source.latest(series) is not None}


def newest(expected: Iterable[census.Identity]) -> dict[str, str]:
    latest: dict[str, str] = {}
    for device, timestamp in expected:
        latest[device] = max(latest.get(device, ""), timestamp)
    return latest
