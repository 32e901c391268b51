"""Google Cloud as `make local` imitates it: functions-framework hosts on their own ports, the
metadata server and Google APIs of the stand-ins, Pub/Sub devices, Cloud Scheduler jobs."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from twin_model.clouds import CLOUDS
from twin_model.config.model import Layer, Provider
from twin_ops.local import devices
from twin_ops.local.clouds import CLOCK_HEADER, Deliver, LocalCloud
from twin_ops.local.output import SynthFunction
from twin_ops.post_deploy.grafana import Source

if TYPE_CHECKING:
    from twin_ops.local import census
    from twin_ops.local.deployment import LocalDeployment
    from twin_ops.local.runner import LocalRun, Row

CLOUDEVENT, HTTP = "cloudevent", "http"


class GoogleLocal(LocalCloud):
    devices_over_mqtt = False  # devices publish to the telemetry topic
    serves_http = True

    def platform_environment(self, function: SynthFunction, name: str, region: str) -> dict[str, str]:
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
            "K_SERVICE": name,
            "FUNCTION_TARGET": function.entry,
            "FUNCTION_SIGNATURE_TYPE": self.signature_type(function),
        }

    def signature_type(self, function: SynthFunction) -> str:
        """Cloud Functions gen2 start an event-triggered function with the CloudEvent signature."""
        return CLOUDEVENT if function.resource.get("event_trigger") else HTTP

    def host_environment(self, run: LocalRun, function: SynthFunction) -> dict[str, str]:
        """The metadata server of the stand-in (credentials, project), the port, the storage emulator."""
        metadata = run.platform.servers.metadata.address
        return {
            "GCE_METADATA_HOST": metadata, "GCE_METADATA_IP": metadata, "GOOGLE_CLOUD_PROJECT": run.endpoints.gcp_project,
            "PORT": str(run.endpoints.host_ports[function.label]),
            **({"STORAGE_EMULATOR_HOST": run.endpoints.gcs} if run.endpoints.gcs else {}),
        }

    def host_options(self, run: LocalRun, function: SynthFunction) -> dict[str, Any]:
        """The Firestore, Pub/Sub and Secret Manager clients' endpoint, and the service account whose
        IAM bindings each call is checked against."""
        account = function.resolve(function.resource["service_config"]["service_account_email"], run.deployment.resolve)
        return {"google_clients_url": run.platform.servers.google.url, "principal": account}

    def bridge_token(self, run: LocalRun, environment: dict[str, str], secret: str) -> str:
        token: str = run.platform.secret_manager.secrets[secret.split("/versions/")[0]]
        return token

    def entry_name(self, function: SynthFunction, invoked: str) -> str:
        return function.entry  # the entry point of main.py

    def device_links(self, run: LocalRun, device_ids: list[str], deliver: Deliver) -> tuple[dict[str, Any], Callable[[], None]]:
        """Each device publishes to the L1 stack's telemetry topic and pulls its own feedback subscription."""
        return devices.pubsub_links(run.topology, run.deployment, run.platform, device_ids, deliver), lambda: None

    def advance(self, run: LocalRun, stack: str, offset: float) -> None:
        """Every Cloud Scheduler job of the stack, run once at the moved clock."""
        for owner, uri, target in run.deployment.scheduler_jobs:
            if owner == stack:
                body = json.loads(base64.b64decode(target.get("body") or "e30=") or b"{}")
                headers = {**(target.get("headers") or {}), CLOCK_HEADER: str(offset)}
                run.retrying(f"scheduler {uri}", partial(run.call, uri, body, headers=headers))

    def twin_row(self, run: LocalRun, expected: set[census.Identity]) -> Row:
        raise NotImplementedError(CLOUDS[Provider.GOOGLE].why_not(Layer.L4))  # the loader refuses L4 here

    def dashboard_source(self, deployment: LocalDeployment, stack: str, platform: Any) -> Source:
        raise NotImplementedError(CLOUDS[Provider.GOOGLE].why_not(Layer.L5))  # the loader refuses L5 here


CLOUD = GoogleLocal()
