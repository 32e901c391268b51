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
from cdk_app.topology import Topology


@dataclass(frozen=True)
class AwsAccess:
    """An AWS permission the step's code uses: the delivery pipeline grants exactly these to the
    role that runs the step (its Terraform state and cloud credentials come on top)."""

    actions: tuple[str, ...]
    service: str  # the resource's ARN is arn:<partition>:<service>:<region>:<account>:<resource>
    resource: str  # `{twin}` is the twin's name; "*" alone: the actions take no resource
    why: str  # the reason for any wildcard, shown with the cdk-nag acknowledgment


@dataclass(frozen=True)
class PostDeployStep:
    name: str
    cloud: Provider  # the step runs when `layer` is placed on this cloud
    layer: Layer  # ... right after that layer's stack is deployed
    summary: str
    aws_access: tuple[AwsAccess, ...] = ()


STEPS = (
    PostDeployStep(
        "aws-device-certificates", Provider.AWS, Layer.L1,
        "download each device's certificate and key for the simulator",
        aws_access=(
            AwsAccess(
                ("secretsmanager:GetSecretValue",), "secretsmanager", "secret:{twin}/devices/*/credentials-*",
                "every device's credentials secret of this twin (one per device; Secrets Manager appends a random suffix)",
            ),
            AwsAccess(
                ("iot:DescribeEndpoint",), "iot", "*",
                "iot:DescribeEndpoint has no resource-level permissions (the account's iot:Data-ATS endpoint)",
            ),
        ),
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
)
STEP_NAMES = tuple(step.name for step in STEPS)


class PostDeployError(RuntimeError):
    """An expected failure (missing file, undeployed stack, unusable identity): one line, no traceback."""


def steps_after(topology: Topology, layer: Layer) -> tuple[PostDeployStep, ...]:
    return tuple(step for step in STEPS if step.layer is layer and topology.cloud(layer) is step.cloud)
