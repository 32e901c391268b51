"""The notification workflow (Step Functions) of `step_function` event actions.

The definition is the user's file as is; it calls the two action functions whose ARNs the event
checker passes in (`LambdaAArn`, `LambdaBArn`), so the role may invoke exactly those functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aws_cdk import Acknowledgment, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from constructs_lib.aws.log_group import log_group
from constructs_lib.aws.nag import wildcard_resource_finding


@dataclass(frozen=True)
class EventWorkflowProps:
    twin_name: str
    definition_file: Path
    action_function_arns: tuple[str, ...]  # the functions the workflow may invoke
    debug: bool = False


class EventWorkflow(Construct):
    """Exposes `state_machine`."""

    def __init__(self, scope: Construct, id: str, props: EventWorkflowProps) -> None:
        super().__init__(scope, id)
        name = f"{props.twin_name}-event-workflow"
        logs = log_group(self, "Logs", debug=props.debug, name=f"/aws/vendedlogs/states/{name}")
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=name,
            definition_body=sfn.DefinitionBody.from_file(str(props.definition_file)),
            # Execution data holds telemetry: logged in DEBUG only.
            logs=sfn.LogOptions(destination=logs, level=sfn.LogLevel.ALL, include_execution_data=props.debug),
            tracing_enabled=True,
        )
        if props.action_function_arns:
            self.state_machine.add_to_role_policy(
                iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=list(props.action_function_arns))
            )
        Validations.of(self.state_machine).acknowledge(
            Acknowledgment(
                id=wildcard_resource_finding("*"),
                reason="log delivery (logs:*LogDelivery*, DescribeResourcePolicies/LogGroups) and X-Ray tracing "
                "actions have no resource-level permissions",
            )
        )
