"""The users' event-action functions (`autoDeploy`), named where the event checker looks for them.

The checker invokes `<ACTION_FUNCTION_PREFIX><functionName>`, so every action is named
`<twin>-action-<functionName>`; the twin prefix keeps two twins' actions apart (the predecessor
deployed them unprefixed).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from constructs_lib.aws.twin_function import TwinFunction, TwinFunctionProps
from twin_contract.aws_names import action_function_name, action_function_prefix  # noqa: F401 (re-exported)

USER_HANDLER = "lambda_function.lambda_handler"


def action_function_arn(scope: Construct, twin_name: str, function_name: str) -> str:
    """The ARN by name, so actions deployed by the user (autoDeploy false) are covered too."""
    return Stack.of(scope).format_arn(
        service="lambda",
        resource="function",
        resource_name=action_function_name(twin_name, function_name),
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )


@dataclass(frozen=True)
class EventActionsProps:
    twin_name: str
    action_dirs: tuple[tuple[str, Path], ...]  # (functionName, code folder with lambda_function.py)
    debug: bool = False
    # (functionName, extra environment) — the predecessor's DIGITAL_TWIN_INFO for code that reads it
    environments: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()


class EventActions(Construct):
    """Exposes `functions` (functionName → Function)."""

    def __init__(self, scope: Construct, id: str, props: EventActionsProps) -> None:
        super().__init__(scope, id)
        role_prefix_length = len(props.twin_name) + 1  # TwinFunction names functions <twin>-<role_name>
        self.functions: dict[str, lambda_.Function] = {}
        environments = dict(props.environments)
        for function_name, code_dir in props.action_dirs:
            self.functions[function_name] = TwinFunction(
                self,
                "".join(part.title() for part in function_name.replace("_", "-").split("-")),
                TwinFunctionProps(
                    twin_name=props.twin_name,
                    role_name=action_function_name(props.twin_name, function_name)[role_prefix_length:],
                    bundle=code_dir,
                    handler=USER_HANDLER,
                    debug=props.debug,
                    async_failure_queue=True,
                    environment=dict(environments.get(function_name, ())),
                    description=f"{props.twin_name} event action {function_name}",
                ),
            ).function
