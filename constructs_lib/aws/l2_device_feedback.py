"""Feedback to devices: delivers an event's message through L1's device service.

With L1 on AWS the function publishes on the device's own feedback topic (devices may subscribe
only to theirs, l1_device_fleet) and may publish only to the twin's feedback topics. With L1
on another cloud it sends over the L2 → L1 feedback bridge instead (`bridge` links it) and has no
IoT permission at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from constructs import Construct

from constructs_lib.aws.iot_device_feedback_access import grant_device_feedback
from constructs_lib.aws.twin_function import FunctionLink, TwinFunction, TwinFunctionProps


@dataclass(frozen=True)
class DeviceFeedbackProps:
    twin_name: str
    bundle: Path
    debug: bool = False
    bridge: FunctionLink | None = None  # L1 on another cloud: the feedback bridge's sending side


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
                description=f"{props.twin_name} feedback: event messages → "
                + ("the L1 feedback receiver" if props.bridge else "device feedback topics"),
            ),
        ).function
        if props.bridge is not None:
            props.bridge(self.function)
        else:
            grant_device_feedback(self.function, props.twin_name)
