"""Google L1: the twin's device list as data, and the simulator's Pub/Sub target.

Google Cloud has no device registry, so the project's device ids are written as one object,
`devices.json`, to the L1 stack's registry bucket (output `device_registry_bucket`): one read to
compare, one write when the list changed, for any fleet size (docs/design.md §7a). The feedback
path reads it: a device removed from the project is unknown there from the next deploy on
(`dry_run` lists who would be added and removed, and writes nothing).

The simulator's target: the telemetry topic (output `telemetry_topic`), the publisher account
(`device_publisher_account`) and, with device feedback, the twin's one feedback subscription
(`feedback_subscription`). No key is created for the publisher account on purpose: a long-lived
key is a credential to hand out deliberately (`gcloud iam service-accounts keys create`, or
workload identity federation), used through application-default credentials
(GOOGLE_APPLICATION_CREDENTIALS).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twin_model.config.model import Layer, ProjectConfig, Provider
from twin_model.topology import Topology, TwinStack
from twin_contract.gcp_names import DEVICE_REGISTRY_OBJECT
from twin_ops.post_deploy import LocalTwin, PostDeployError, PostDeployRequest
from twin_ops.post_deploy.auth_files import prepare_auth_dir, write_simulator_config
from twin_ops.post_deploy.terraform_state import StackState
from twin_ops.simulator.config import DeviceCredentials, PubSubTopic, SimulatorConfig

TOPIC_OUTPUT = "telemetry_topic"
PUBLISHER_OUTPUT = "device_publisher_account"
REGISTRY_OUTPUT = "device_registry_bucket"  # cdk_app/stacks/gcp/l1.py
FEEDBACK_OUTPUT = "feedback_subscription"


@dataclass(frozen=True)
class RegistryResult:
    config: SimulatorConfig
    bucket: str
    added: tuple[str, ...]
    removed: tuple[str, ...]
    dry_run: bool = False

    def summary(self) -> str:
        verb = "would be " if self.dry_run else ""
        removed = f" ({', '.join(self.removed[:20])}{' …' if len(self.removed) > 20 else ''})" if self.removed else ""
        return (f"device list gs://{self.bucket}/{DEVICE_REGISTRY_OBJECT}: {len(self.config.devices)} devices, "
                f"{len(self.added)} {verb}added, {len(self.removed)} {verb}removed{removed}")


def register_devices(
    project: Path, twin: str, device_ids: Sequence[str], state: StackState, storage: Any, *, dry_run: bool = False
) -> RegistryResult:
    """`storage`: a google.cloud.storage Client (the storage emulator in the tests)."""
    bucket = state.output(REGISTRY_OUTPUT)
    blob = storage.bucket(bucket).blob(DEVICE_REGISTRY_OBJECT)
    current = set(_current(blob, bucket))
    wanted = sorted(set(device_ids))
    added, removed = tuple(d for d in wanted if d not in current), tuple(sorted(current - set(wanted)))
    if (added or removed) and not dry_run:
        blob.upload_from_string(json.dumps(wanted, separators=(",", ":")), content_type="application/json")
    feedback = state.optional_output(FEEDBACK_OUTPUT)
    config = SimulatorConfig(
        Provider.GOOGLE, twin, tuple(DeviceCredentials(d) for d in wanted),
        pubsub=PubSubTopic(state.output(TOPIC_OUTPUT), publisher_account=state.output(PUBLISHER_OUTPUT),
                           feedback_subscription=feedback),
    )
    if not dry_run:
        prepare_auth_dir(project)
        write_simulator_config(project, config)
    return RegistryResult(config, bucket, added, removed, dry_run)


def _current(blob: Any, bucket: str) -> list[str]:
    from google.api_core.exceptions import NotFound

    try:
        ids = json.loads(blob.download_as_bytes())
    except NotFound:
        return []  # the first deploy
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise PostDeployError(f"gs://{bucket}/{DEVICE_REGISTRY_OBJECT} is not a JSON array of device ids: fix or delete it")
    return ids


def run(request: PostDeployRequest, config: ProjectConfig, topology: Topology) -> str:
    """The step against the real clouds: its clients built here, its result line returned."""
    from google.cloud import storage

    state = StackState.read(request.terraform, request.stack_dir(topology, Layer.L1))
    result = register_devices(request.project, config.name, [d.id for d in config.devices], state, storage.Client(),
                              dry_run=request.dry_run)
    target = result.config.pubsub
    assert target is not None
    return (
        f"{result.summary()}; simulator target {target.topic}. Devices publish as {target.publisher_account}: create "
        f"its key yourself (gcloud iam service-accounts keys create KEY.json --iam-account {target.publisher_account}) "
        "and set GOOGLE_APPLICATION_CREDENTIALS=KEY.json before `python -m twin_ops simulate`"
    )


def run_locally(local: LocalTwin, stack: TwinStack) -> None:
    """The step against the storage emulator: the device list as one object in the registry bucket."""
    outputs = local.output.terraform[stack.name].config.get("output", {})

    class State:  # the L1 stack's outputs, as `terraform show` would give them
        @staticmethod
        def output(name: str) -> Any:
            return local.value(stack.name, outputs[name]["value"])

        @staticmethod
        def optional_output(name: str) -> Any:
            return State.output(name) if name in outputs else None

    register_devices(local.workdir / "onboarding", local.config.name, [d.id for d in local.config.devices], State,
                     local.gcs())
