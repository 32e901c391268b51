"""A Python Lambda of the twin: shared bundle, named after the twin, logs with bounded retention.

Every twin function goes through this construct so runtime, logging, tracing and failure handling
are decided once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Validations
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

RUNTIME = lambda_.Runtime.PYTHON_3_13
# cdk-nag's finding id for the managed log-writing policy CDK gives every Lambda role.
BASIC_EXECUTION_FINDING = (
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]"
)
CODE_EXCLUDES = ["**/__pycache__", "**/*.pyc"]


@dataclass(frozen=True)
class TwinFunctionProps:
    twin_name: str
    role_name: str  # e.g. "dispatcher": the function is named <twin>-<role_name>
    bundle: Path  # a staged code bundle (cdk_app.bundles)
    handler_module: str  # module under runtime.aws, e.g. "dispatcher"
    environment: dict[str, str] = field(default_factory=dict)
    debug: bool = False
    memory_mb: int = 256
    timeout_seconds: int = 30
    # Invoked asynchronously: failed events go to a durable queue instead of being dropped.
    async_failure_queue: bool = False
    description: str = ""
    # Full handler string for code outside the runtime package (the users' event actions);
    # by default `runtime.aws.<handler_module>.handler`.
    handler: str = ""


class TwinFunction(Construct):
    """Exposes `function` and, for asynchronously invoked functions, `failure_queue`."""

    def __init__(self, scope: Construct, id: str, props: TwinFunctionProps) -> None:
        super().__init__(scope, id)
        name = f"{props.twin_name}-{props.role_name}"
        removal = RemovalPolicy.DESTROY if props.debug else RemovalPolicy.RETAIN
        log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/lambda/{name}",
            retention=logs.RetentionDays.ONE_WEEK if props.debug else logs.RetentionDays.THREE_MONTHS,
            removal_policy=removal,
        )
        self.failure_queue: sqs.Queue | None = None
        on_failure = None
        if props.async_failure_queue:
            self.failure_queue = sqs.Queue(
                self,
                "FailedEvents",
                queue_name=f"{name}-failed",
                encryption=sqs.QueueEncryption.SQS_MANAGED,
                enforce_ssl=True,
                retention_period=Duration.days(14),
                removal_policy=removal,
            )
            on_failure = destinations.SqsDestination(self.failure_queue)
            Validations.of(self.failure_queue).acknowledge(
                Acknowledgment(id="AwsSolutions-SQS3", reason="this queue is itself the function's on-failure destination")
            )
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=name,
            description=props.description or f"{props.twin_name} {props.role_name}",
            runtime=RUNTIME,
            architecture=lambda_.Architecture.ARM_64,
            code=lambda_.Code.from_asset(str(props.bundle), exclude=CODE_EXCLUDES),
            handler=props.handler or f"runtime.aws.{props.handler_module}.handler",
            memory_size=props.memory_mb,
            timeout=Duration.seconds(props.timeout_seconds),
            environment={
                "TWIN_NAME": props.twin_name,
                "LOG_LEVEL": "DEBUG" if props.debug else "INFO",
                **props.environment,
            },
            log_group=log_group,
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
                id="AwsSolutions-IAM5[Resource::*]",
                reason="active X-Ray tracing: xray:PutTraceSegments/PutTelemetryRecords have no resource-level permissions",
            ),
            Acknowledgment(
                id="AwsSolutions-L1",
                reason="RUNTIME is pinned once for all twin functions to the Python the runtime code is tested on",
            ),
        )
