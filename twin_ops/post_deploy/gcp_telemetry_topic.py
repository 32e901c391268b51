"""Google L1: tell the simulator where devices publish and where their feedback waits.

The topic's project-qualified path is the L1 stack's output `telemetry_topic`; the publisher
account is `device_publisher_account`. No key is created for that account on purpose: a
long-lived key is a credential to hand out deliberately (`gcloud iam service-accounts keys
create`, or workload identity federation), and the simulator then uses it through
application-default credentials (GOOGLE_APPLICATION_CREDENTIALS).
Feedback subscriptions exist with device feedback on: in the L2 stack when L2 is on Google too, else
in the L1 feedback receiver stack (cdk_app/stacks/gcp/device_feedback.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from twin_model.config.model import Layer, ProjectConfig, Provider
from twin_model.topology import Features, Topology, TwinStack
from twin_ops.post_deploy import LocalTwin, PostDeployRequest
from twin_ops.post_deploy.auth_files import prepare_auth_dir, write_simulator_config
from twin_ops.post_deploy.terraform_state import StackState
from twin_ops.simulator.config import DeviceCredentials, PubSubTopic, SimulatorConfig
from twin_contract.gcp_names import resource_name

TOPIC_OUTPUT = "telemetry_topic"
PUBLISHER_OUTPUT = "device_publisher_account"


def feedback_subscription(project_id: str, twin: str, device_id: str) -> str:
    return f"projects/{project_id}/subscriptions/{resource_name(twin, 'device-feedback')}-{device_id}"


def write_pubsub_target(
    project: Path, twin: str, device_ids: Sequence[str], state: StackState, with_feedback: bool
) -> SimulatorConfig:
    topic = state.output(TOPIC_OUTPUT)  # projects/<project id>/topics/<twin>-telemetry
    project_id = topic.split("/")[1]
    devices = tuple(
        DeviceCredentials(d, feedback_subscription=feedback_subscription(project_id, twin, d) if with_feedback else None)
        for d in device_ids
    )
    config = SimulatorConfig(
        Provider.GOOGLE, twin, devices, pubsub=PubSubTopic(topic, publisher_account=state.output(PUBLISHER_OUTPUT))
    )
    prepare_auth_dir(project)
    write_simulator_config(project, config)
    return config


def run(request: PostDeployRequest, config: ProjectConfig, topology: Topology) -> str:
    """The step against the real clouds: its clients built here, its result line returned."""
    state = StackState.read(request.terraform, request.stack_dir(topology, Layer.L1))
    with_feedback = Features.of(config.flags).device_feedback  # from L2 on Google, or over the feedback bridge
    target = write_pubsub_target(request.project, config.name, [d.id for d in config.devices], state, with_feedback)
    return (
        f"simulator target {target.pubsub.topic}. Devices publish as {target.pubsub.publisher_account}: create its key "
        f"yourself (gcloud iam service-accounts keys create KEY.json --iam-account {target.pubsub.publisher_account}) "
        "and set GOOGLE_APPLICATION_CREDENTIALS=KEY.json before `python -m twin_ops simulate`"
    )


def run_locally(local: LocalTwin, stack: TwinStack) -> None:
    """Nothing: `make local`'s devices publish to the Pub/Sub stand-in's topic of the L1 stack."""
