"""Feedback to devices: publishes an event's message on the device's own feedback topic.

Devices may subscribe only to their own feedback topic (l1_device_identity); this function may
publish only to the twin's feedback topics.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aws_cdk import Aws
from aws_cdk import aws_iam as iam
from constructs import Construct

from twin_contract.devices import feedback_topic
from constructs_lib.aws.nag import acknowledge_wildcard_resources
from constructs_lib.aws.twin_function import TwinFunction, TwinFunctionProps


@dataclass(frozen=True)
class DeviceFeedbackProps:
    twin_name: str
    bundle: Path
    debug: bool = False


class DeviceFeedback(Construct):
    """Exposes `function`."""

    def __init__(self, scope: Construct, id: str, props: DeviceFeedbackProps) -> None:
        super().__init__(scope, id)
        self.function = TwinFunction(
            self,
            "Feedback",
            TwinFunctionProps(
                twin_name=props.twin_name,
                role_name="feedback",
                bundle=props.bundle,
                debug=props.debug,
                async_failure_queue=True,
                description=f"{props.twin_name} feedback: event messages → device feedback topics",
            ),
        ).function
        # Region and account as pseudo parameters, so the policy and its finding read the same everywhere.
        topics = f"arn:{Aws.PARTITION}:iot:{Aws.REGION}:{Aws.ACCOUNT_ID}:topic/{feedback_topic(props.twin_name, '*')}"
        self.function.add_to_role_policy(iam.PolicyStatement(actions=["iot:Publish"], resources=[topics]))
        acknowledge_wildcard_resources(
            self.function,
            [topics],
            "feedback may go to any device of the twin; the wildcard is the device level of the "
            "twin's own feedback topics (one statement per device would outgrow the policy size limit)",
        )
