"""Event checking: the checker and everything its rules may start (actions, workflow, feedback).

The checker evaluates the project's rules (bundled as project/config_events.json) on every stored
record. Its role may invoke only the action functions its rules name, start only the twin's
workflow and invoke only the feedback function.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aws_cdk import aws_iam as iam
from constructs import Construct

from constructs_lib.aws.l2_device_feedback import DeviceFeedback, DeviceFeedbackProps
from constructs_lib.aws.l2_event_actions import (
    EventActions,
    EventActionsProps,
    action_function_arn,
)
from constructs_lib.aws.l2_event_workflow import EventWorkflow, EventWorkflowProps
from constructs_lib.aws.twin_function import FunctionLink, TwinFunction, TwinFunctionProps
from twin_contract import functions as contract
from twin_contract.aws_names import action_function_prefix


@dataclass(frozen=True)
class EventCheckerProps:
    twin_name: str
    bundle: Path  # the processing bundle (holds project/config_events.json)
    invoked_actions: tuple[str, ...]  # functionNames of `lambda` actions
    workflow_actions: tuple[str, ...]  # functionName/functionNameB of `step_function` actions
    action_dirs: tuple[tuple[str, Path], ...] = ()  # auto-deployed actions
    action_environments: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()  # EventActionsProps.environments
    workflow_definition_file: Path | None = None  # set when triggerNotificationWorkflow
    device_feedback: bool = False  # returnFeedbackToDevice
    feedback_bridge: FunctionLink | None = None  # L1 on another cloud: links the feedback function to it
    debug: bool = False


class EventChecker(Construct):
    """Exposes `function`, `actions` (EventActions), `workflow` and `feedback` (None when off)."""

    def __init__(self, scope: Construct, id: str, props: EventCheckerProps) -> None:
        super().__init__(scope, id)
        twin, debug = props.twin_name, props.debug
        self.actions = EventActions(self, "Actions", EventActionsProps(twin, props.action_dirs, debug, props.action_environments))
        self.workflow = None
        if props.workflow_definition_file is not None:
            workflow_arns = tuple(action_function_arn(self, twin, name) for name in props.workflow_actions)
            self.workflow = EventWorkflow(
                self, "Workflow", EventWorkflowProps(twin, props.workflow_definition_file, workflow_arns, debug)
            )
        self.feedback = (
            DeviceFeedback(
                self, "DeviceFeedback", DeviceFeedbackProps(twin, props.bundle, debug, bridge=props.feedback_bridge)
            ).function
            if props.device_feedback
            else None
        )
        environment = {contract.ACTION_FUNCTION_PREFIX: action_function_prefix(twin)}
        if self.workflow is not None:
            environment[contract.WORKFLOW_ARN] = self.workflow.state_machine.state_machine_arn
        if self.feedback is not None:
            environment[contract.FEEDBACK_FUNCTION_NAME] = self.feedback.function_name
        self.function = TwinFunction(
            self,
            "Checker",
            TwinFunctionProps(
                twin_name=twin,
                role_name="event-checker",
                bundle=props.bundle,
                environment=environment,
                debug=debug,
                async_failure_queue=True,
                description=f"{twin} event checker: rules on stored records → actions",
            ),
        ).function
        if props.invoked_actions:
            self.function.add_to_role_policy(
                iam.PolicyStatement(
                    actions=["lambda:InvokeFunction"],
                    resources=[action_function_arn(self, twin, name) for name in props.invoked_actions],
                )
            )
        if self.workflow is not None:
            self.workflow.state_machine.grant_start_execution(self.function)
        if self.feedback is not None:
            self.feedback.grant_invoke_latest_version(self.function)
