"""`python -m twin_ops local`: the synthesized twin, run on this machine.

1. synthesize (`python app.py`, as the deploy plan does) or take a synth already made;
2. start the local services the twin needs and "deploy" the output into them
   (twin_ops/local/deployment.py), receivers first;
3. start every Python function of the output in its own host process (function_host.py), with
   its synthesized settings and local values for its deploy-time references;
4. wire the platform's triggers from the output (topic rules, Event Grid routes, Eventarc
   triggers, event source mappings, S3 notifications), then let the device fleet publish;
5. once every record is stored hot, read it back through the twin; then move the clock forward
   past the hot window (TTL expiries, the hot→cold movers) and past the cold window (the cold→archive
   movers, lifecycle rules), counting each tier from the stores themselves;
6. print one row per hop and exit 0 only when every record is accounted for.
Nothing here names a layer's functions or a combination: the topology and the output drive it.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from twin_model.clouds import CLOUDS
from twin_model.config import load_project
from twin_model.config.model import Layer, Provider
from twin_model.paths import REPO_ROOT
from twin_model.topology import BridgeKind, plan_project
from twin_contract.registry import LAST_ENTRY_URL_KEY, URL_KEY
from twin_ops.local import census, dashboards
from twin_ops.local.clouds import local_cloud
from twin_ops.local.deployment import Endpoints, LocalDeployment
from twin_ops.local.fleet import Message, messages, scaled_project
from twin_ops.local.function_host import KeptAlive, queue_message
from twin_ops.local.hosts import FunctionHosts
from twin_ops.local.http import LocalServer, Response
from twin_ops.local.ledger import DEAD_LETTER, ERROR, RETRY, Failure, Ledger
from twin_ops.local.mqtt import MqttClient
from twin_ops.local.output import SynthFunction, SynthOutput
from twin_ops.local.services import Services, listening_socket
from twin_ops.local.standins import aws as aws_standins
from twin_ops.local.standins import azure as azure_standins
from twin_ops.local.standins import google as google_standins
from twin_ops.local.tls import make_tls

# After an injected outage ends, a sender may still fail once: its last retry waited within the
# sender's deadline (25 s by default, runtime/core/http_client.py), plus slack for a loaded machine.
OUTAGE_GRACE = 30.0
# A run that cannot pass ends early: FINAL_GRACE seconds after its first final failure (a dead
# letter, a refused grant), ERROR_QUIET seconds after a function error once nothing is in flight
# (the platforms redeliver within a second or two here: compressed retry delays, queue visibility).
FINAL_GRACE = 2.0
ERROR_QUIET = 5.0
SETTLE_POLL = 0.1  # seconds between two looks at the stores while waiting
PUBLISHERS = 16  # devices sending at once
# Records the devices may have published ahead of processing. Devices that ran the whole fleet's
# messages ahead of L2 left 10,000 waiting in its queue, and an emulator's cost per message grows
# with what waits (Azurite scans its account's messages on every queue call): processing fell to
# ~20 records/s. A closed loop, as a load generator runs, keeps the backlog at what the twin absorbs.
# 1,000 × 10 on the mixed placement (bench-local): 256 → 201 s, 128 → 181 s, 64 → 202 s.
IN_FLIGHT = 128
DAY = 86_400.0
# Counted per invocation from the runtime contract's function names (docs/runtime-contract.md):
# a module/entry point/Azure function name, or the user's action code conventions (README).
ROLES = {
    "dispatcher": "ingested", "processor": "processed", "event_checker": "events fired",
    "lambda_function": "actions run", "event_action": "actions run", "event_action_http": "actions run", "main": "actions run",
}


class LocalRunError(RuntimeError):
    """The run could not be set up (synth failed, a service or host did not start)."""


class LocalRunStopped(BaseException):
    """SIGTERM or SIGINT (Ctrl-C) stopped the run; raised in the main thread so that every server,
    host and broker the run started is stopped on the way out. Like KeyboardInterrupt, no
    `except Exception` holds it."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"stopped by {signal.Signals(signum).name}")
        self.signum = signum


@contextmanager
def _stopped_by_signals() -> Iterator[None]:
    """SIGTERM and SIGINT raise LocalRunStopped once (unless the run was started with them ignored);
    a second signal during the cleanup is ignored (the cleanup ends what the run started, then the
    caller exits)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        for other in (signal.SIGTERM, signal.SIGINT):
            signal.signal(other, signal.SIG_IGN)
        raise LocalRunStopped(signum)

    # A signal the command was started with ignored stays ignored (a shell script's background job
    # ignores Ctrl-C), as for the other operator commands (twin_ops/processes.py).
    previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGTERM, signal.SIGINT)
                if signal.getsignal(signum) is not signal.SIG_IGN}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def expected_errors() -> tuple[type[Exception], ...]:
    """What a run reports as one line (setup problems), rather than as a traceback."""
    from twin_ops.local.deployment import DeploymentError
    from twin_ops.local.hosts import HostError
    from twin_ops.local.output import OutputError
    from twin_ops.local.services import ServiceError
    from twin_ops.post_deploy import PostDeployError  # the dashboards' data source, read from the L5 stack
    from twin_ops.simulator.mqtt_link import MqttLinkError
    from twin_ops.simulator.pubsub_link import PubSubLinkError

    return (LocalRunError, DeploymentError, HostError, OutputError, ServiceError, PostDeployError, MqttLinkError, PubSubLinkError)


@dataclass(frozen=True)
class LocalRunRequest:
    project: Path
    devices: int | None = None  # default: the project's devices
    messages: int | None = None  # per device; default: each sample payload once
    workdir: Path | None = None  # default: a temporary directory, removed afterwards
    synthesized: tuple[Path, Path] | None = None  # (cdk.out, cdktf.out) of this project: no synth
    outage: float = 0.0  # seconds every data-carrying bridge receiver answers 503, once its traffic starts
    timeout: float = 300.0  # for each stage to settle
    echo: Callable[[str], None] = print
    live: bool = False  # rewrite one progress line (a terminal) instead of printing progress lines
    # Called once the twin runs, before the devices publish, with every bridge receiver (tests
    # attack them there: the run must hold, and count nothing of it); what it returns, if anything,
    # is called once the run ends, before its hosts stop (attacks still waiting for an answer).
    during: Callable[[list["Receiver"]], Callable[[], None] | None] | None = None
    mosquitto: bool = True  # the device broker: mosquitto when installed; False: amqtt, the one `make install` brings
    keep_servers: bool = False  # runs one after another in one process (tests): moto kept, reset at each start (services.py)


@dataclass(frozen=True)
class Receiver:
    """A bridge receiver endpoint of the running twin, with its connection's token."""

    connection_id: str
    cloud: Provider
    url: str
    token: str
    ca_file: Path  # the run's CA (HTTPS receivers)


@dataclass
class Row:
    name: str
    count: int
    expected: int | None
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.expected is None or self.count == self.expected


@dataclass
class LocalRunResult:
    rows: list[Row]
    problems: list[str]
    timings: dict[str, float]
    duplicates: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # everything the ledger counted (503s answered, retries…)
    by_function: dict[str, dict[str, int]] = field(default_factory=dict)  # "<label>:<function>" → errors, retries, dead-lettered
    ended_early: str = ""  # why the waits stopped before the timeout: the run could not pass any more

    @property
    def ok(self) -> bool:
        return not self.problems

    def row(self, name: str) -> Row:
        return next(row for row in self.rows if row.name == name)


def run_local(request: LocalRunRequest) -> LocalRunResult:
    with _stopped_by_signals(), ExitStack() as stack:
        workdir = request.workdir or Path(tempfile.mkdtemp(prefix="dt-local-"))
        if request.workdir is None:
            stack.callback(shutil.rmtree, workdir, True)
        workdir.mkdir(parents=True, exist_ok=True)
        return LocalRun(request, workdir, stack).run()


class LocalRun:
    def __init__(self, request: LocalRunRequest, workdir: Path, stack: ExitStack) -> None:
        self.request, self.workdir, self.exit = request, workdir, stack
        self.echo = request.echo
        self.ledger = Ledger()
        self.twin_problems: list[str] = []
        self.outages: list[tuple[float, float]] = []  # (start, end) of each injected receiver outage
        self.timings: dict[str, float] = {}
        self.started = time.monotonic()
        self.gave_up = False  # a wait ended without what it waited for
        self.ended_early = ""  # why the run stopped waiting before its timeout: it could not pass any more

    # -- stages

    def run(self) -> LocalRunResult:
        project = scaled_project(Path(self.request.project), self.request.devices, self.workdir / "project")
        self.config = load_project(project)
        self.topology = plan_project(self.config)
        self.project = project
        cdk_out, tf_out = self._synth(project)
        self.output = SynthOutput(cdk_out, tf_out, self.workdir / "unpacked")
        self.functions = [function for function in self.output.functions if function.is_python]
        self._start_platform()
        self._deploy()
        if not self.topology.placed(Layer.L1):
            return self._model_only()
        self._start_hosts()
        self._wire_triggers()
        device_ids = [device.id for device in self.config.devices][: self.request.devices or None]
        sent = messages(project, device_ids, self.request.messages)
        if self.request.during is not None:
            finish = self.request.during(self.receivers())
            if finish is not None:
                self.exit.callback(finish)  # before the hosts stop: the exit stack runs last in, first out
        self._publish(sent)
        return self._account(sent)

    def _lap(self) -> float:
        now = time.monotonic()
        elapsed, self.started = now - self.started, now
        return round(elapsed, 1)

    def _synth(self, project: Path) -> tuple[Path, Path]:
        if self.request.synthesized is not None and project == Path(self.request.project):
            return self.request.synthesized
        cdk_out, tf_out = self.workdir / "cdk.out", self.workdir / "cdktf.out"
        self.echo(f"synthesizing {project} …")
        completed = subprocess.run(
            [sys.executable, str(REPO_ROOT / "app.py")], cwd=REPO_ROOT, capture_output=True, text=True,
            env={**os.environ, "CDK_OUTDIR": str(cdk_out), "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
                 "CDK_CONTEXT_JSON": json.dumps({"project": str(project), "tf_outdir": str(tf_out)})},
        )
        if completed.returncode != 0:
            raise LocalRunError(f"synth failed (exit {completed.returncode}):\n{completed.stderr[-3000:]}")
        self.timings["synth"] = self._lap()
        return cdk_out, tf_out

    def _start_platform(self) -> None:
        hub_names = [
            f"{resource['name']}.azure-devices.net"
            for stack in self.output.terraform.values() for resource in stack.resources.get("azurerm_iothub", {}).values()
        ]
        self.tls = make_tls(self.workdir / "tls", [*hub_names, google_standins.Workflows.HOST])
        self.ca = ssl.create_default_context(cafile=str(self.tls.ca_file))
        self.http = KeptAlive(self.ca)  # the twin's and dashboards' thousands of reads: no TLS handshake each
        services = Services(self.workdir, self.tls, self.request.keep_servers)
        self.exit.callback(services.close)
        tf_kinds = {kind for stack in self.output.terraform.values() for kind in stack.resources}
        tf_data = {kind for stack in self.output.terraform.values() for kind in stack.config.get("data", {})}
        region = next((r for s in self.output.cloudformation if (r := self.output.aws_region(s))), None) \
            or CLOUDS[Provider.AWS].default_region
        google_provider = next((p for s in self.output.terraform.values() for p in s.config.get("provider", {}).get("google", [])), {})
        self.endpoints = Endpoints(region=region, gcp_project=google_provider.get("project") or "local-project")

        servers = SimpleNamespace()
        for name, tls in (("control", None), ("aws", None), ("azure", self.tls), ("identity", None), ("google", None),
                          ("metadata", None), ("googleapis", self.tls)):
            server = LocalServer(name, tls)
            setattr(servers, name, server)
            self.exit.callback(server.stop)
        servers.control.route("POST", "/report", lambda r: (self.ledger.report(r.json()), Response(200, {}))[1])

        # moto: for the CloudFormation stacks, and for Terraform stacks' AWS resources (the connection registry)
        needs_aws = bool(self.output.cloudformation) or any(k.startswith("aws_") for k in tf_kinds | tf_data)
        accounts = sorted({
            resource["name"] for stack in self.output.terraform.values()
            for resource in stack.resources.get("azurerm_storage_account", {}).values()
        })
        devices_on_mqtt = self.topology.placed(Layer.L1) and local_cloud(self.topology.cloud(Layer.L1)).devices_over_mqtt
        with ThreadPoolExecutor(max_workers=4) as pool:  # the servers start side by side
            mqtt = pool.submit(services.broker, self.request.mosquitto) if devices_on_mqtt else None
            moto = pool.submit(services.moto) if needs_aws else None
            azurite = pool.submit(services.azurite, accounts) if accounts else None
            gcs = pool.submit(services.gcs) if "google_storage_bucket" in tf_kinds else None
            self.mqtt_port = mqtt.result() if mqtt else None
            self.endpoints.moto = moto.result() if moto else None
            if azurite:
                self.endpoints.azurite = azurite.result()
            if gcs:
                self.endpoints.gcs = gcs.result()
        self.endpoints.aws_platform = servers.aws.url
        if self.mqtt_port is not None:
            self.echo(f"device MQTT broker: {services.broker_name} (TLS, client certificates) on 127.0.0.1:{self.mqtt_port}")
        # Azure and Google hosts serve on ports the deployment writes into URLs: bound here, now,
        # and handed to each host (no other process can take one in between).
        self.listeners: dict[str, socket.socket] = {}
        for function in self.functions:
            if local_cloud(function.cloud).serves_http:
                listener = self.listeners[function.label] = listening_socket()
                self.exit.callback(listener.close)
                self.endpoints.host_ports[function.label] = listener.getsockname()[1]

        ledger = self.ledger
        platform = SimpleNamespace(servers=servers, azure_url=servers.azure.url, iot_policies={},
                                   provisioning_templates={})
        deployment_ref: list[LocalDeployment] = []
        platform.lambdas = aws_standins.LambdaService(ledger, lambda: deployment_ref[0].aws("sqs"), region, "123456789012")
        platform.iot = aws_standins.IotCore(platform.lambdas, ledger)
        platform.dynamo_ttl = aws_standins.DynamoTtl(lambda: deployment_ref[0].aws("dynamodb"), platform.lambdas, ledger, region)
        platform.s3 = aws_standins.S3Behaviours(lambda: deployment_ref[0].aws("s3"), platform.lambdas, ledger, region)
        platform.step_functions = aws_standins.StepFunctions(platform.lambdas, ledger)
        platform.twinmaker = aws_standins.TwinMaker(platform.lambdas)
        for part in (platform.lambdas, platform.iot, platform.step_functions):
            part.routes(servers.aws)
        platform.identity = azure_standins.Identity(servers.identity)
        platform.key_vault = azure_standins.KeyVault(servers.azure)
        platform.cosmos = azure_standins.Cosmos(servers.azure)
        platform.digital_twins = azure_standins.DigitalTwins(servers.azure)
        platform.iot_hub = azure_standins.IotHub(servers.azure, ledger)
        platform.logic_apps = azure_standins.LogicApps(servers.azure, ledger, self.tls)
        platform.google_iam = google_standins.GoogleIam(ledger, self.endpoints.gcp_project)
        platform.firestore = google_standins.Firestore(servers.google, platform.google_iam, self.endpoints.gcp_project)
        platform.pubsub = google_standins.PubSub(servers.google, ledger, platform.google_iam)
        platform.secret_manager = google_standins.SecretManager(servers.google, platform.google_iam)
        platform.metadata = google_standins.Metadata(servers.metadata, self.endpoints.gcp_project)
        platform.workflows = google_standins.Workflows(servers.googleapis, ledger)
        for name in vars(servers):
            getattr(servers, name).start()
        self.exit.callback(platform.lambdas.close)
        self.exit.callback(platform.pubsub.close)
        self.platform, self.services = platform, services
        self._deployment_ref = deployment_ref
        if self.mqtt_port is not None:
            cert, key = self.tls.client_certificate(self.workdir / "tls", "dt-local-platform")
            self.mqtt = MqttClient(self.mqtt_port, "dt-local-platform", self.tls.ca_file, cert, key)
            self.exit.callback(self.mqtt.close)
            platform.iot.mqtt = platform.iot_hub.mqtt = self.mqtt
        self.timings["services"] = self._lap()

    def _deploy(self) -> None:
        self.deployment = LocalDeployment(self.output, self.topology, self.endpoints, self.platform, self.tls.ca_file,
                                          self.config, self.workdir)
        self._deployment_ref.append(self.deployment)
        self.deployment.deploy()

    def _model_only(self) -> LocalRunResult:
        """A twin model alone (layers 1 to 3 "none"): no data path, so nothing runs; its deployment
        loaded the model as the twin service would (Azure Digital Twins: the models through the DTDL
        parser, each twin of a model they define; TwinMaker: the entities and component types)."""
        twins = sum(len(instance.twins) for instance in self.platform.digital_twins.instances.values())
        twins += sum(1 for resource in self.deployment.resources.values() if resource.resource_type == "AWS::IoTTwinMaker::Entity")
        note = "a twin model alone (layers 1 to 3 are none): no data path, nothing to run"
        self.echo(f"nothing to run: {note}; the twin model loads ({_plural(twins, 'twin')})")
        return LocalRunResult([Row("twins of the model loaded", twins, None, note)], [], dict(self.timings))

    def _environment(self, function: SynthFunction) -> dict[str, str]:
        """The platform's variables, the function's synthesized settings, then where its SDKs find
        the local services and the run's CA."""
        cloud = local_cloud(function.cloud)
        name = str(function.resolve(function.name, self.deployment.resolve))
        trust = {"SSL_CERT_FILE": str(self.tls.ca_file), "REQUESTS_CA_BUNDLE": str(self.tls.ca_file)}
        return {
            **cloud.platform_environment(function, name, self.endpoints.region), **function.environment(self.deployment.resolve),
            **cloud.host_environment(self, function), **trust,
        }

    def _start_hosts(self) -> None:
        self.hosts = FunctionHosts(self.workdir, f"{self.platform.servers.control.url}/report")
        self.exit.callback(self.hosts.close)
        routes = {f"{host}:443": self.platform.servers.azure.address for host in self.platform.iot_hub.hubs}
        routes[f"{google_standins.Workflows.HOST}:443"] = self.platform.servers.googleapis.address
        for function in self.functions:
            self.hosts.start(
                function, self._environment(function), listener=self.listeners.get(function.label), hosts=routes,
                **local_cloud(function.cloud).host_options(self, function),
            )
        self.hosts.wait_ready()
        for function in self.functions:
            local_cloud(function.cloud).attach(self, function, self.hosts.hosts[function.label].url)
        self.ledger.classify = self._classify
        self.timings["hosts"] = self._lap()

    def _classify(self, label: str, function_name: str) -> str | None:
        function = self.deployment.functions_by_label.get(label)
        if function is None:
            return None
        return ROLES.get(local_cloud(function.cloud).entry_name(function, function_name))

    def _wire_triggers(self) -> None:
        platform, deployment = self.platform, self.deployment
        for sql, targets in deployment.iot_rules:
            platform.iot.add_rule(sql, targets)
        for hub, account, queue_name in deployment.event_routes:
            url = f"{self.endpoints.azurite['queue']}/{account}/{queue_name}"

            def enqueue(event: dict, url: str = url) -> None:
                deployment.azurite("POST", f"{url}/messages", queue_message(base64.b64encode(json.dumps(event).encode()).decode()))

            platform.iot_hub.route_telemetry(hub, enqueue)
        for label, topic, _ in deployment.google_triggers:
            host = self.hosts.hosts[label]
            platform.pubsub.add_subscription(f"eventarc-{label}", topic, push=self._cloud_event_push(host.url, topic), workers=2)
        self.ledger.events["s3-created"] = platform.s3.reported

    def _cloud_event_push(self, url: str, topic: str) -> Callable[[dict], bool]:
        def push(message: dict) -> bool:
            body = json.dumps({"message": message, "subscription": f"eventarc-{topic}"}).encode()
            request = urllib.request.Request(url + "/", data=body, method="POST", headers={
                "Content-Type": "application/json", "ce-id": message["messageId"], "ce-specversion": "1.0",
                "ce-type": "google.cloud.pubsub.topic.v1.messagePublished", "ce-source": f"//pubsub.googleapis.com/{topic}",
                "ce-time": message["publishTime"],
            })
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    return 200 <= response.status < 300
            except urllib.error.HTTPError:
                return False

        return push

    # -- devices

    def _publish(self, sent: list[Message]) -> None:
        """Every device sends its messages in order, waiting for each one's acknowledgement as a
        device does; devices send side by side. An --outage run breaks the receivers halfway."""
        deliver = lambda device, text: self.ledger.add("feedback received")  # noqa: E731
        device_ids = sorted({device.id for device in self.config.devices})
        links, close = local_cloud(self.topology.cloud(Layer.L1)).device_links(self, device_ids, deliver)
        self.exit.callback(close)
        parts = [sent[: len(sent) // 2], sent[len(sent) // 2 :]] if self.request.outage else [sent]
        progress = Progress(self, len(sent))
        with ThreadPoolExecutor(max_workers=PUBLISHERS) as pool:
            for number, part in enumerate(parts):
                if number:
                    self._outage((BridgeKind.L1_TO_L2, BridgeKind.L2_TO_HOT, BridgeKind.L2_TO_TWIN_UPDATE, BridgeKind.L2_TO_L1_FEEDBACK))
                by_device: dict[str, list[Message]] = {}
                for message in part:
                    by_device.setdefault(message.device_id, []).append(message)
                pending = {pool.submit(self._send, links[device], queued) for device, queued in by_device.items()}
                while pending:
                    done, pending = wait(pending, timeout=0.2)
                    for future in done:
                        future.result()  # a device that cannot send stops the run
                    progress.show()
        self.timings["publish"] = self._lap()
        hot_stack = self.topology.stack_name(Layer.L3_HOT)
        self._settle(lambda: census.hot_count(self.deployment, hot_stack) >= len(sent), "records to reach the hot store", progress)
        self.timings["ingest"] = self._lap()
        progress.done()

    def _send(self, link: Any, queued: list[Message]) -> None:
        for message in queued:
            self.ledger.wait_for_room("published", "processed", IN_FLIGHT)
            link.send(json.dumps(message.body).encode())
            self.ledger.add("published")

    def _hot(self) -> list[dict]:
        return census.hot_records(self.deployment, self.topology.stack_name(Layer.L3_HOT))

    def _settle(self, reached: Callable[[], bool], what: str, progress: "Progress | None" = None, quiet: float = 30.0) -> bool:
        """Wait until `reached` and nothing is in flight; give up after the timeout, once nothing
        has moved for `quiet` seconds, or as soon as the run cannot pass any more (`_hopeless`)."""
        deadline = time.monotonic() + self.request.timeout
        while time.monotonic() < deadline:
            if progress:
                progress.show()
            busy, calm = self.ledger.busy, self.ledger.quiet_for()
            if busy == 0 and calm > 0.5 and reached():  # cheap checks first: reached() reads the stores
                return True
            if self._hopeless(busy, calm):  # what still moves cannot make the run pass: stop waiting for it
                if reached():
                    return True
                self.ended_early = self.ended_early or self._why_hopeless()
                self.echo(f"not waiting for {what}: {self.ended_early}")
                self.gave_up = True
                return False
            if busy == 0 and calm > quiet and not reached():
                break  # nothing moves any more
            time.sleep(SETTLE_POLL)
        self.echo(f"warning: gave up waiting for {what}")
        self.gave_up = True
        return False

    def _hopeless(self, busy: int, calm: float) -> bool:
        """The run cannot pass any more, and waiting would only count more of a failed run: a
        final failure (a dead letter, a call the grants refuse) came FINAL_GRACE seconds ago; or
        a function error no outage excuses, with nothing in flight for ERROR_QUIET seconds (a
        redelivery would have come by then; after a wait gave up, half a second)."""
        doomed_at = self.ledger.doomed_at
        if doomed_at is not None and time.monotonic() - doomed_at > FINAL_GRACE and calm > 0.5:
            return True
        return busy == 0 and calm > (0.5 if self.gave_up else ERROR_QUIET) and bool(self._unexcused_errors())

    def _why_hopeless(self) -> str:
        final = next((f for f in self.ledger.failures if f.final), None)
        if final is not None:
            return f"{'a dead letter' if final.kind == DEAD_LETTER else 'a refused grant'} ({final.where}) fails the run"
        return f"{_plural(len(self._unexcused_errors()), 'function error')} and nothing in flight"

    def _unexcused_errors(self) -> list[Failure]:
        """Function errors outside the injected receiver outages (and their grace)."""
        return [f for f in self.ledger.failures if f.kind == ERROR
                and not any(start <= f.at <= end + OUTAGE_GRACE for start, end in self.outages)]

    # -- fault injection and time compression

    def _outage(self, kinds: tuple[BridgeKind, ...]) -> None:
        """Every receiver of these bridges answers 503 for `outage` seconds."""
        seconds = self.request.outage
        self.outages.append((time.monotonic(), time.monotonic() + seconds))
        for bridge in self.topology.bridges:
            if bridge.kind not in kinds:
                continue
            sender_stack = self.topology.sender_stack(bridge).name
            for function in self.functions:
                setting = bridge.url_setting()
                if function.stack != sender_stack or setting not in function.settings:
                    continue
                url = function.environment(self.deployment.resolve)[setting]
                self._break(url, seconds)
                self.ledger.add("receiver outages")
                self.echo(f"outage: {bridge.connection_id} receiver answers 503 for {seconds:g} s ({urlsplit(url).path})")

    def receivers(self) -> list[Receiver]:
        """Every bridge receiver URL the senders are configured with, and the token they send."""
        found: dict[str, Receiver] = {}
        for bridge in self.topology.bridges:
            sender_stack = self.topology.sender_stack(bridge).name
            for function in self.functions:
                if function.stack != sender_stack or bridge.token_setting not in function.settings:
                    continue
                environment = function.environment(self.deployment.resolve)
                token = local_cloud(function.cloud).bridge_token(self, environment, environment[bridge.token_setting])
                for setting in (bridge.url_setting(URL_KEY), bridge.url_setting(LAST_ENTRY_URL_KEY)):
                    if setting in environment:
                        found[environment[setting]] = Receiver(bridge.connection_id, self.topology.cloud(bridge.spec.target),
                                                               environment[setting], token, self.tls.ca_file)
        return list(found.values())

    def _break(self, url: str, seconds: float) -> None:
        parts = urlsplit(url)
        if parts.path.startswith("/lambda-url/"):
            self.platform.lambdas.url_outage(parts.path.split("/")[2], seconds)
            return
        host = next(h for h in self.hosts.hosts.values() if h.port == parts.port)
        request = urllib.request.Request(f"{host.url}/__local/outage", method="POST",
                                         data=json.dumps({"paths": [parts.path or "/"], "seconds": seconds}).encode())
        urllib.request.urlopen(request, timeout=10, context=self.ca).read()

    def _compress(self, layer: Layer, offset: float, kinds: tuple[BridgeKind, ...]) -> None:
        """Run the movers of `layer`'s stack with the clock `offset` seconds ahead: what its cloud
        schedules (TTL expiries and their stream, timers, scheduler jobs; twin_ops/local/clouds)."""
        if self.request.outage:
            self._outage(kinds)
        local_cloud(self.topology.cloud(layer)).advance(self, self.topology.stack_name(layer), offset)

    def retrying(self, what: str, action: Callable[[], Any], attempts: int = 6) -> None:
        """A scheduled run that fails runs again (the next timer tick, the scheduler's retries)."""
        for attempt in range(attempts):
            try:
                action()
                return
            except urllib.error.HTTPError:
                if attempt < attempts - 1:
                    self.ledger.retry(what)
                time.sleep(min(8.0, 0.5 * 2**attempt))
        self.ledger.dead_letter(what, f"scheduled run failed {attempts} times")

    def call(self, url: str, body: Any, method: str = "POST", headers: dict | None = None) -> bytes:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})})
        with urllib.request.urlopen(request, timeout=600, context=self.ca if url.startswith("https") else None) as response:
            return response.read()

    def _lifecycle(self, offset: float) -> dict[tuple[str, str], str]:
        """Storage lifecycle rules moving objects to the archive tier in place (Azure management
        policies, Cloud Storage SetStorageClass) and S3 expirations, at the compressed clock."""
        now = datetime.now(timezone.utc) + timedelta(seconds=offset)
        for account, details in self.deployment.storage_accounts.items():
            for prefixes, days in details["policies"]:
                for prefix in prefixes:
                    container, _, blob_prefix = prefix.partition("/")
                    if container not in details["containers"]:
                        continue
                    for name, _, modified in census.list_blobs(self.deployment, account, container):
                        if name.startswith(blob_prefix) and (now - modified).total_seconds() > days * DAY:
                            url = f"{self.endpoints.azurite['blob']}/{account}/{container}/{urllib.parse.quote(name)}?comp=tier"
                            self.deployment.azurite("PUT", url, headers={"x-ms-access-tier": "Archive"})
        for bucket, details in self.deployment.gcs_buckets.items():
            for rule in details["lifecycle"]:
                action, condition = rule.get("action", {}), rule.get("condition", {})
                if action.get("type") != "SetStorageClass" or "age" not in condition:
                    continue
                for blob in self.deployment.gcs().list_blobs(bucket):
                    current = self.gcs_classes.get((bucket, blob.name), details["class"])
                    matches = condition.get("matches_storage_class") or [current]
                    if current in matches and (now - blob.time_created).total_seconds() >= int(condition["age"]) * DAY:
                        self.gcs_classes[(bucket, blob.name)] = action["storage_class"]
        self.platform.s3.expire(now)
        return self.gcs_classes

    # -- accounting

    def _account(self, sent: list[Message]) -> LocalRunResult:
        expected = {(m.device_id, m.timestamp) for m in sent}
        stored = self._hot()
        hot = census.Tally()
        hot.add(census.identities(stored))
        twin_row = self._twin(expected)
        dashboards_row = self._dashboards(expected)
        self.timings["twin"] = self._lap()

        self.gcs_classes: dict[tuple[str, str], str] = {}
        hot_days, cold_days = self.config.twin.hot_storage_size_in_days, self.config.twin.cold_storage_size_in_days
        tiers = {self.topology.stack_name(Layer.L3_COLD), self.topology.stack_name(Layer.L3_ARCHIVE)}
        cold = archive = left_hot = census.Tally()
        if self.topology.placed(Layer.L3_COLD):
            self._compress(Layer.L3_HOT, (hot_days + 1) * DAY, (BridgeKind.HOT_TO_COLD,))
            self._settle(lambda: census.tiered_payloads(self.deployment, tiers, self.gcs_classes)["cold"].of(expected) >= len(expected),
                         "records to reach the cold tier")
            self._settle(lambda: True, "the movers to finish")
            cold = census.tiered_payloads(self.deployment, tiers, self.gcs_classes)["cold"]
            left_hot = census.Tally()
            left_hot.add(census.identities(self._hot()))
            self.timings["hot→cold"] = self._lap()
        if self.topology.placed(Layer.L3_ARCHIVE):
            offset = (hot_days + cold_days + 2) * DAY
            self._compress(Layer.L3_COLD, offset, (BridgeKind.COLD_TO_ARCHIVE,))
            self._settle(lambda: True, "the cold→archive movers")
            self._lifecycle(offset)
            self._settle(lambda: census.tiered_payloads(self.deployment, tiers, self.gcs_classes)["archive"].of(expected) >= len(expected),
                         "records to reach the archive tier")
            archive = census.tiered_payloads(self.deployment, tiers, self.gcs_classes)["archive"]
            self.timings["cold→archive"] = self._lap()

        fired = [(rule, record) for record in stored for rule in self.config.events if census.rule_holds(rule.condition, record)]
        feedback_expected = sum(1 for rule, _ in fired if rule.action.feedback is not None)
        # A rule runs its function, a workflow rule its two (functionName, then functionNameB).
        actions_expected = sum(2 if rule.action.function_name_b else 1 for rule, _ in fired)
        # Rule feedback reaches the devices from L2 on their cloud, or over the feedback connection.
        feedback_path = self.topology.cloud(Layer.L1) is self.topology.cloud(Layer.L2) or self.topology.has(BridgeKind.L2_TO_L1_FEEDBACK)
        if feedback_expected and feedback_path:
            self._settle(lambda: self.ledger.get("feedback received") >= feedback_expected, "feedback to reach the devices", quiet=5.0)
        counts = self.ledger.counts
        published = counts["published"]
        rows = [
            Row("published", published, len(sent)),
            Row("ingested", counts["ingested"], published),
            Row("processed", counts["processed"], published),
            Row("stored hot", hot.of(expected), published, f"{len(stored)} items, {hot.duplicates} duplicates"),
            twin_row,
            dashboards_row,
            _tier(self.topology, Layer.L3_COLD, "moved to cold", cold.of(expected), published,
                  f"{cold.duplicates} duplicates; {left_hot.of(expected)} left in hot"),
            _tier(self.topology, Layer.L3_ARCHIVE, "archived", archive.of(expected), published, f"{archive.duplicates} duplicates"),
            Row("events fired", counts["events fired"], len(fired)),
            Row("actions run", counts["actions run"], actions_expected, _plural(counts["workflow executions"], "workflow run")),
        ]
        feedback_row = Row("feedback received", counts["feedback received"], feedback_expected)
        if not feedback_path:
            feedback_row.note = (f"no feedback path from L2 on {self.topology.cloud(Layer.L2).value} to devices on "
                                 f"{self.topology.cloud(Layer.L1).value}")
            feedback_row.expected = None
        rows.append(feedback_row)
        rows += self._failure_rows()
        problems = [f"{row.name}: {row.count} of {row.expected}" for row in rows if not row.ok]
        problems += [f"{name}: {count} duplicates" for name, count in
                     (("stored hot", hot.duplicates), ("moved to cold", cold.duplicates), ("archived", archive.duplicates)) if count]
        problems += self.twin_problems
        if left_hot.of(expected):
            problems.append(f"hot store: {left_hot.of(expected)} records not moved out after the hot window")
        failures = [f"{failure.where}: {failure.error}" for failure in self.ledger.failures]
        return LocalRunResult(rows, problems, dict(self.timings),
                              {"stored hot": hot.duplicates, "moved to cold": cold.duplicates, "archived": archive.duplicates},
                              failures, dict(self.ledger.counts),
                              {where: dict(counts) for where, counts in sorted(self.ledger.by_function.items())},
                              self.ended_early)

    def _failure_rows(self) -> list[Row]:
        """Function errors, retries and dead letters: a run passes only without errors and dead
        letters, except errors an `--outage` run causes on purpose (a sender giving up while its
        receiver answers 503, until its last retry may have ended), which must all have been
        retried to success: no dead letter, and every record at every hop."""
        errors = [f for f in self.ledger.failures if f.kind == ERROR]
        unexcused = len(self._unexcused_errors())
        excused = len(errors) - unexcused
        note = f"{excused} during the injected receiver outages, all retried" if excused else ""
        return [
            Row("function errors", unexcused, 0, note),
            Row("retries", self.ledger.get(RETRY), None),
            Row("dead-lettered", self.ledger.get(DEAD_LETTER), 0),
        ]

    def _twin(self, expected: set[census.Identity]) -> Row:
        """Records readable through L4, read as the twin's clients read it (twin_ops/local/clouds)."""
        name = "readable through the twin"
        if not self.topology.placed(Layer.L4):
            return Row(name, 0, None, "no twin model (layer_4_provider is none)")
        return local_cloud(self.topology.cloud(Layer.L4)).twin_row(self, expected)

    def _dashboards(self, expected: set[census.Identity]) -> Row:
        """Records the twin's Grafana dashboard shows, each panel queried as Grafana queries it
        (twin_ops/local/dashboards.py); the latest-values panels must show each device's last record."""
        name = "shown on the dashboards"
        if not self.topology.placed(Layer.L5):
            return Row(name, 0, None, "no dashboards (layer_5_provider is none)")
        source = dashboards.data_source(self.deployment, self.topology, self.platform)
        devices = dashboards.devices_shown(self.config, source)
        on_dashboard = {identity for identity in expected if identity[0] in devices}
        shown = dashboards.shown(self.config, source, self.platform, self.http)
        latest = dashboards.newest(on_dashboard)
        current = sum(1 for device, timestamp in latest.items() if census.plain(shown.latest.get(device, "")) == timestamp)
        if current < len(latest):
            self.twin_problems.append(f"dashboards: {len(latest) - current} latest-values panels do not show their device's last record")
        left_out = len(expected) - len(on_dashboard)
        note = (f"{shown.panels} panels over {shown.source}; {current}/{len(latest)} latest-values panels current"
                + (f"; {left_out} records of devices in no entity" if left_out else ""))
        return Row(name, shown.history.of(on_dashboard), len(on_dashboard), note)


def _tier(topology: Any, layer: Layer, name: str, count: int, expected: int, note: str) -> Row:
    if topology.placed(layer):
        return Row(name, count, expected, note)
    return Row(name, 0, None, f"no {layer.title} ({layer.config_key} is none): nothing moves there")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


class Progress:
    """One line per hop, rewritten in place on a terminal, printed every few seconds otherwise."""

    def __init__(self, run: LocalRun, total: int) -> None:
        self._run, self._total, self._last = run, total, 0.0

    def _line(self) -> str:
        counts = self._run.ledger.counts
        hot = census.hot_count(self._run.deployment, self._run.topology.stack_name(Layer.L3_HOT))
        parts = [f"published {counts['published']}/{self._total}", f"ingested {counts['ingested']}",
                 f"processed {counts['processed']}", f"hot {hot}", f"events {counts['events fired']}",
                 f"actions {counts['actions run']}", f"feedback {counts['feedback received']}"]
        if counts["function errors"]:
            parts.append(f"errors {counts['function errors']}")
        return " │ ".join(parts)

    def show(self) -> None:
        now = time.monotonic()
        if now - self._last < (0.2 if self._run.request.live else 2.0):
            return
        self._last = now
        if self._run.request.live:
            sys.stdout.write("\r\033[K" + self._line())
            sys.stdout.flush()
        else:
            self._run.echo(self._line())

    def done(self) -> None:
        self._last = 0.0
        self.show()
        if self._run.request.live:
            sys.stdout.write("\n")


def render(result: LocalRunResult, title: str) -> str:
    width = max(len(row.name) for row in result.rows)
    lines = [title, f"{'hop':<{width}}  {'count':>7}  {'expected':>8}  note", f"{'-' * width}  {'-' * 7}  {'-' * 8}  ----"]
    for row in result.rows:
        expected = "-" if row.expected is None else str(row.expected)
        mark = "" if row.ok else "  ✗"
        lines.append(f"{row.name:<{width}}  {row.count:>7}  {expected:>8}  {row.note}{mark}".rstrip())
    for where, counts in result.by_function.items():
        lines.append(f"  {where}: " + ", ".join(f"{counts[kind]} {kind}" for kind in (ERROR, RETRY, DEAD_LETTER) if counts.get(kind)))
    lines += [f"  {failure}" for failure in result.failures[:10]]
    timings = ", ".join(f"{name} {seconds:g} s" for name, seconds in result.timings.items())
    lines.append(f"timings: {timings}")
    if result.ended_early:
        lines.append(f"ended early: {result.ended_early}")
    lines.append("every record accounted for" if result.ok else "NOT every record accounted for: " + "; ".join(result.problems))
    return "\n".join(lines)
