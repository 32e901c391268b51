"""Post-deploy steps: data-plane objects and local files that no IaC resource covers.

Each step is a module of pure functions over an injected client (the cloud SDK or REST boundary),
run by `python -m cdk_app post-deploy <step>` right after the stack it depends on, so the deploy
plan (cdk_app/deploy.py) shows it in `--dry-run` and resumes over it like any other step. Every
step is idempotent: re-running it creates only what is missing.

This module stays import-light: the deploy planner reads STEPS without loading any cloud SDK.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdk_app.config.model import Layer, Provider
from cdk_app.topology import Topology, TwinStack


@dataclass(frozen=True)
class PostDeployStep:
    name: str
    cloud: Provider  # the step runs when `layer` is placed on this cloud
    layer: Layer  # ... right after that layer's stack is deployed
    summary: str


STEPS = (
    PostDeployStep(
        "aws-device-certificates", Provider.AWS, Layer.L1,
        "download each device's certificate and key for the simulator",
    ),
    PostDeployStep(
        "azure-device-identities", Provider.AZURE, Layer.L1,
        "register the devices in IoT Hub and keep their keys for the simulator",
    ),
    PostDeployStep(
        "azure-digital-twins", Provider.AZURE, Layer.L4,
        "upload the DTDL models, twins and relationships to Azure Digital Twins",
    ),
    PostDeployStep(
        "gcp-telemetry-topic", Provider.GOOGLE, Layer.L1,
        "write the simulator's Pub/Sub topic and feedback subscriptions",
    ),
    PostDeployStep(
        "aws-grafana-dashboards", Provider.AWS, Layer.L5,
        "provision Grafana's data source for the twin and the twin's dashboard",
    ),
    PostDeployStep(
        "azure-grafana-dashboards", Provider.AZURE, Layer.L5,
        "add the Infinity plugin, provision Grafana's data source for the twin and the twin's dashboard",
    ),
)
STEP_NAMES = tuple(step.name for step in STEPS)


class PostDeployError(RuntimeError):
    """An expected failure (missing file, undeployed stack, unusable identity): one line, no traceback."""


def steps_after(topology: Topology, stack: TwinStack) -> tuple[PostDeployStep, ...]:
    """The steps that run right after `stack`: those of its layer and cloud (a layer's own stack only)."""
    if stack.part is not None:
        return ()
    return tuple(step for step in STEPS if step.layer is stack.layer and stack.cloud is step.cloud)
