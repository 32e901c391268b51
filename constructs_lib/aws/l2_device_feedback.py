"""Feedback to devices: publishes an event's message on the device's own feedback topic.

Devices may subscribe only to their own feedback topic (l1_device_identity); this function may
publish only to the twin's feedback topics.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aws_cdk import Acknowledgment, Aws, Validations
from aws_cdk import aws_iam as iam
from constructs import Construct

from constructs_lib.aws.l1_device_identity import feedback_topic
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
                handler_module="feedback",
                debug=props.debug,
                async_failure_queue=True,
                description=f"{props.twin_name} feedback: event messages → device feedback topics",
            ),
        ).function
        # Region and account as pseudo parameters, so the acknowledged finding reads the same everywhere.
        every_feedback_topic = f"topic/{feedback_topic(props.twin_name, '*')}"
        topics = f"arn:{Aws.PARTITION}:iot:{Aws.REGION}:{Aws.ACCOUNT_ID}:{every_feedback_topic}"
        self.function.add_to_role_policy(iam.PolicyStatement(actions=["iot:Publish"], resources=[topics]))
        Validations.of(self.function).acknowledge(
            Acknowledgment(
                id=f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iot:<AWS::Region>:<AWS::AccountId>:{every_feedback_topic}]",
                reason="feedback may go to any device of the twin; the wildcard is the device level of the "
                "twin's own feedback topics (one statement per device would outgrow the policy size limit)",
            )
        )
