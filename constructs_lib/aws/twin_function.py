"""A Python Lambda of the twin: shared bundle, named after the twin, logs with bounded retention.

Every twin function goes through this construct so runtime, logging, tracing and failure handling
are decided once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aws_cdk import Acknowledgment, Duration, Validations
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from constructs_lib.aws.failure_queue import failure_queue
from constructs_lib.aws.log_group import log_group
from constructs_lib.aws.nag import BASIC_EXECUTION_FINDING, wildcard_resource_finding
from twin_contract import functions as contract
from twin_contract.aws_names import failure_queue_name, function_name

RUNTIME = lambda_.Runtime.PYTHON_3_13
# Connects a function to something outside its construct (a bridge's sending side): the stack
# gives it, the construct calls it once the function exists.
FunctionLink = Callable[[lambda_.Function], object]
CODE_EXCLUDES = ["**/__pycache__", "**/*.pyc"]


@dataclass(frozen=True)
class TwinFunctionProps:
    twin_name: str
    # e.g. "hot-writer": the function is named <twin>-<role_name>, and its handler is the module
    # of that name under runtime.aws ("-" → "_": runtime.aws.hot_writer.handler).
    role_name: str
    bundle: Path  # a staged code bundle (cdk_app.bundles)
    environment: dict[str, str] = field(default_factory=dict)
    debug: bool = False
    memory_mb: int = 256
    timeout_seconds: int = 30
    # Invoked asynchronously: failed events go to a durable queue instead of being dropped.
    async_failure_queue: bool = False
    description: str = ""
    # Full handler string for code outside the runtime package (the users' event actions).
    handler: str = ""


class TwinFunction(Construct):
    """Exposes `function` and, for asynchronously invoked functions, `failure_queue`."""

    def __init__(self, scope: Construct, id: str, props: TwinFunctionProps) -> None:
        super().__init__(scope, id)
        name = function_name(props.twin_name, props.role_name)
        module = props.role_name.replace("-", "_")
        logs = log_group(self, "Logs", debug=props.debug, name=f"/aws/lambda/{name}")
        self.failure_queue: sqs.Queue | None = None
        on_failure = None
        if props.async_failure_queue:
            self.failure_queue = failure_queue(
                self,
                "FailedEvents",
                queue_name=failure_queue_name(name),
                debug=props.debug,
                serves_as="the function's on-failure destination",
            )
            on_failure = destinations.SqsDestination(self.failure_queue)
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=name,
            description=props.description or f"{props.twin_name} {props.role_name}",
            runtime=RUNTIME,
            architecture=lambda_.Architecture.ARM_64,
            code=lambda_.Code.from_asset(str(props.bundle), exclude=CODE_EXCLUDES),
            handler=props.handler or f"runtime.aws.{module}.handler",
            memory_size=props.memory_mb,
            timeout=Duration.seconds(props.timeout_seconds),
            environment={
                contract.TWIN_NAME: props.twin_name,
                contract.LOG_LEVEL: "DEBUG" if props.debug else "INFO",
                **props.environment,
            },
            log_group=logs,
            tracing=lambda_.Tracing.ACTIVE,
            on_failure=on_failure,
            retry_attempts=2 if props.async_failure_queue else None,
        )
        # cdk-nag findings that follow from the choices above, made once for every twin function.
        Validations.of(self.function).acknowledge(
            Acknowledgment(
                id=BASIC_EXECUTION_FINDING,
                reason="grants only CreateLogGroup/CreateLogStream/PutLogEvents; the log group itself is made here "
                "with bounded retention",
            ),
            Acknowledgment(
                id=wildcard_resource_finding("*"),
                reason="active X-Ray tracing: xray:PutTraceSegments/PutTelemetryRecords have no resource-level permissions",
            ),
            Acknowledgment(
                id="AwsSolutions-L1",
                reason="RUNTIME is pinned once for all twin functions to the Python the runtime code is tested on",
            ),
        )
