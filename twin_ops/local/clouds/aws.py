"""AWS as `make local` imitates it: Lambda invoked through the stand-in, IoT Core over the run's
MQTT broker, DynamoDB TTL expiries, TwinMaker's dataReader, Amazon Managed Grafana's data source."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from twin_ops.local import devices
from twin_ops.local.clouds import Deliver, LocalCloud
from twin_ops.local.output import SynthFunction
from twin_ops.post_deploy.aws_grafana_dashboards import aws_source
from twin_ops.post_deploy.grafana import Source

if TYPE_CHECKING:
    from twin_ops.local import census
    from twin_ops.local.deployment import LocalDeployment
    from twin_ops.local.runner import LocalRun, Row


class AwsLocal(LocalCloud):
    devices_over_mqtt = True
    serves_http = False

    def platform_environment(self, function: SynthFunction, name: str, region: str) -> dict[str, str]:
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_LAMBDA_FUNCTION_NAME": name,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.runtime}",
            "LAMBDA_TASK_ROOT": str(function.code),
            "_HANDLER": function.entry,
            "TZ": ":UTC",
        }

    def host_environment(self, run: LocalRun, function: SynthFunction) -> dict[str, str]:
        """AWS APIs on moto, the ones moto does not serve (Lambda, IoT data plane, Step Functions) on the runner's."""
        platform = run.endpoints.aws_platform or ""
        return {
            "AWS_ENDPOINT_URL": run.endpoints.moto or platform, "AWS_ENDPOINT_URL_LAMBDA": platform,
            "AWS_ENDPOINT_URL_IOT_DATA_PLANE": platform, "AWS_ENDPOINT_URL_SFN": platform,
            "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
        }

    def host_options(self, run: LocalRun, function: SynthFunction) -> dict[str, Any]:
        """The role's synthesized statements, which each SDK call of the function is checked against."""
        from twin_ops.local.deployment import ACCOUNT

        name = function.resolve(function.name, run.deployment.resolve)
        return {"grants": {
            "statements": run.deployment.role_statements(function), "account": ACCOUNT, "secrets": run.deployment.secret_arns,
            "principal": f"arn:aws:sts::{ACCOUNT}:assumed-role/{function.resource_id}-role/{name}",
        }}

    def attach(self, run: LocalRun, function: SynthFunction, url: str) -> None:
        run.platform.lambdas.attach(str(function.resolve(function.name, run.deployment.resolve)), url, function.entry)

    def bridge_token(self, run: LocalRun, environment: dict[str, str], secret: str) -> str:
        token: str = run.deployment.aws("secretsmanager").get_secret_value(SecretId=secret)["SecretString"]
        return token

    def entry_name(self, function: SynthFunction, invoked: str) -> str:
        return function.entry.rsplit(".", 1)[0].rsplit(".", 1)[-1]  # the handler's module

    def device_links(self, run: LocalRun, device_ids: list[str], deliver: Deliver) -> tuple[dict[str, Any], Callable[[], None]]:
        """Things with a certificate each (from the run's CA) on the run's MQTT broker."""
        port, twin = run.mqtt_port, run.config.name
        assert port is not None  # the broker runs whenever L1's devices speak MQTT
        sessions = devices.sessions(device_ids, lambda device: devices.iot_core_session(twin, device, run.tls, port, run.workdir / "tls"))
        return devices.mqtt_links(sessions, port, run.tls.ca_file, deliver)

    def advance(self, run: LocalRun, stack: str, offset: float) -> None:
        """The stack's DynamoDB TTL expiries (and the stream records they make)."""
        if any(owner == stack for owner in run.deployment.dynamo_tables.values()):
            run.platform.dynamo_ttl.sweep(datetime.now(timezone.utc) + timedelta(seconds=offset))

    def twin_row(self, run: LocalRun, expected: set[census.Identity]) -> Row:
        """TwinMaker's dataReader over every entity component, as the TwinMaker plugin calls it."""
        from twin_ops.local import census
        from twin_ops.local.runner import Row

        times = sorted(timestamp for _, timestamp in expected)
        start, end = times[0], times[-1]
        read = census.Tally()
        twinmaker = run.platform.twinmaker
        components = twinmaker.components
        with ThreadPoolExecutor(max_workers=4) as pool:
            histories = pool.map(lambda component: twinmaker.history(component, start, end), components)
        for component, values in zip(components, histories, strict=True):
            read.add({(component.device_id, value["time"]) for value in values})
        return Row("readable through the twin", read.of(expected), len(expected),
                   f"TwinMaker dataReader of {len(components)} entity components")

    def dashboard_source(self, deployment: LocalDeployment, stack: str, platform: Any) -> Source:
        """The L5 stack's outputs, read as the aws-grafana-dashboards step reads them (`aws_source`)."""
        template = deployment.output.cloudformation[stack].template
        outputs = {name: str(deployment.value(stack, entry["Value"])) for name, entry in template.get("Outputs", {}).items()}
        return aws_source(outputs, deployment.aws("secretsmanager"), deployment.endpoints.region)


CLOUD = AwsLocal()
