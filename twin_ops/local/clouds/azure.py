"""Azure as `make local` imitates it: Function App hosts on their own ports with TLS, managed
identity from the stand-in, IoT Hub over the run's MQTT broker, timer triggers, Azure Digital
Twins and the readers Azure Managed Grafana's data source calls."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from twin_model.config.model import Layer, Provider
from twin_ops.local import devices
from twin_ops.local.clouds import CLOCK_HEADER, Deliver, LocalCloud
from twin_ops.local.output import SynthFunction
from twin_ops.post_deploy.azure_grafana_dashboards import read_spec
from twin_ops.post_deploy.grafana import ReaderSource, Source

if TYPE_CHECKING:
    from twin_ops.local import census
    from twin_ops.local.deployment import LocalDeployment
    from twin_ops.local.runner import LocalRun, Row

PARALLEL_READS = 4  # the twin's reads side by side, as AWS's twin_row and the dashboards run theirs


class AzureLocal(LocalCloud):
    devices_over_mqtt = True
    serves_http = True

    def platform_environment(self, function: SynthFunction, name: str, region: str) -> dict[str, str]:
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
            "AzureWebJobsScriptRoot": str(function.code),
            "FUNCTIONS_WORKER_RUNTIME": "python",
            "WEBSITE_SITE_NAME": name,
        }

    def host_environment(self, run: LocalRun, function: SynthFunction) -> dict[str, str]:
        """The managed identity endpoint of the stand-in, and the app's own host name."""
        return {
            "IDENTITY_ENDPOINT": run.platform.identity.endpoint, "IDENTITY_HEADER": run.platform.identity.secret,
            "WEBSITE_HOSTNAME": f"127.0.0.1:{run.endpoints.host_ports[function.label]}",
        }

    def host_options(self, run: LocalRun, function: SynthFunction) -> dict[str, Any]:
        return {"tls": {"cert": str(run.tls.cert_file), "key": str(run.tls.key_file)}}  # Function Apps serve HTTPS

    def bridge_token(self, run: LocalRun, environment: dict[str, str], secret: str) -> str:
        token: str = run.platform.key_vault.vaults[environment["KEY_VAULT_URI"].rstrip("/").rsplit("/", 1)[-1]][secret]
        return token

    def entry_name(self, function: SynthFunction, invoked: str) -> str:
        return invoked  # the function of the app that ran

    def device_links(self, run: LocalRun, device_ids: list[str], deliver: Deliver) -> tuple[dict[str, Any], Callable[[], None]]:
        """IoT Hub devices with an X.509 certificate each (from the run's CA) on the run's MQTT broker."""
        port = run.mqtt_port
        assert port is not None  # the broker runs whenever L1's devices speak MQTT
        sessions = devices.sessions(device_ids, lambda device: devices.iot_hub_session(device, run.tls, port, run.workdir / "tls"))
        return devices.mqtt_links(sessions, port, run.tls.ca_file, deliver)

    def advance(self, run: LocalRun, stack: str, offset: float) -> None:
        """Every timer trigger of the stack's Function Apps, run once at the moved clock."""
        for host in run.hosts.hosts.values():
            if host.function.stack != stack:
                continue
            listing = json.loads(run.call(f"{host.url}/admin/functions", None, "GET"))
            for function in listing:
                if function["trigger"] == "timerTrigger":
                    url = f"{host.url}/admin/functions/{function['name']}"
                    run.retrying(f"{host.function.label}:{function['name']}",
                                 partial(run.call, url, {}, headers={CLOCK_HEADER: str(offset)}))

    def twin_row(self, run: LocalRun, expected: set[census.Identity]) -> Row:
        """The reader the dashboards use (the Digital Twin Data Connector, else the hot reader),
        and the twins' live values in Azure Digital Twins."""
        from twin_ops.local import census, dashboards
        from twin_ops.local.runner import Row

        times = sorted(timestamp for _, timestamp in expected)
        start, end = times[0], times[-1]
        read = census.Tally()
        reader = self.dashboard_reader(run)
        if reader is not None:
            url, token = reader

            def items(device: Any) -> list[dict[str, Any]]:
                query = {"device_id": device.id, "properties": [p.name for p in device.properties],
                         "start_time": start, "end_time": end, "max_results": 1000}
                return census.reader_items(run.http, url, token, query)

            with ThreadPoolExecutor(max_workers=PARALLEL_READS) as pool:  # as a dashboard's panels load
                for device, answer in zip(run.config.devices, pool.map(items, run.config.devices), strict=True):
                    read.add({(device.id, item["timestamp"]) for item in answer})
        instances = run.platform.digital_twins.instances.values()
        updates = sum(sum(instance.updates.values()) for instance in instances)
        latest = dashboards.newest(expected)
        current = sum(
            1 for instance in instances
            for device_id, timestamp in latest.items() if instance.twins.get(device_id, {}).get("lastUpdate") == timestamp
        )
        note = f"{urlsplit(reader[0]).path if reader else 'no reader'}; ADT: {updates} twin updates, {current}/{len(latest)} twins current"
        if current < len(latest):
            run.twin_problems.append(f"Azure Digital Twins: {len(latest) - current} twins do not show their device's last record")
        return Row("readable through the twin", read.of(expected), len(expected), note)

    def dashboard_reader(self, run: LocalRun) -> tuple[str, str] | None:
        """The reader dashboards use on Azure: L4's Digital Twin Data Connector, else L3 hot's reader."""
        for layer, route in ((Layer.L4, "dt-data-connector"), (Layer.L3_HOT, "hot-reader")):
            stack = run.topology.stack_name(layer)
            for host in run.hosts.hosts.values():
                function = host.function
                if function.stack != stack or function.cloud is not Provider.AZURE:  # an app's admin listing
                    continue
                routes = {f["name"] for f in json.loads(run.call(f"{host.url}/admin/functions", None, "GET"))}
                if route.replace("-", "_") in routes:
                    environment = function.environment(run.deployment.resolve)
                    return f"{host.url}/api/{route}", self.bridge_token(run, environment, environment["INBOUND_TOKEN_SECRET"])
        return None

    def dashboard_source(self, deployment: LocalDeployment, stack: str, platform: Any) -> Source:
        """The readers `grafana/datasources.json` names, as the azure-grafana-dashboards step reads them (`read_spec`)."""
        from twin_ops.local.deployment import DeploymentError

        terraform = deployment.output.terraform[stack]
        spec = read_spec(terraform.directory)
        outputs = terraform.config.get("output", {})
        url, last_entry_url = (
            str(deployment.output.evaluate(stack, outputs[name]["value"], deployment.resolve))
            for name in (spec.url_output, spec.last_entry_url_output)
        )
        token = platform.key_vault.vaults.get(spec.token_vault, {}).get(spec.token_secret)
        if token is None:
            raise DeploymentError(f"the dashboard token {spec.token_secret} is not in the vault {spec.token_vault}")
        return ReaderSource(url, last_entry_url, token)


CLOUD = AzureLocal()
