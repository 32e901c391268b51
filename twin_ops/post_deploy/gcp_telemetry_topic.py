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

from twin_model.config.model import Provider
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
