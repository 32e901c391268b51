"""Hot→cold: the hot table's TTL expiries, streamed to a function that writes them to cold storage.

The event source mapping keeps only deletions made by DynamoDB's TTL process (`REMOVE` by the
service principal), so items deleted by anyone else are never archived. Large batches and a
batching window make few, large cold objects (one per device and day per batch), which keeps S3
request and minimum-size costs down. A failing batch is bisected to isolate the bad record; what
still fails lands in a queue instead of blocking the stream.

With cold storage on AWS it writes to the cold bucket with `s3:PutObject` only; with cold on
another cloud it posts mover payloads to that cloud's cold writer over the hot→cold bridge.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_s3 as s3
from constructs import Construct

from constructs_lib.aws.destination import Local, Remote
from constructs_lib.aws.failure_queue import failure_queue
from constructs_lib.aws.l3_hot_table import HotTable
from constructs_lib.aws.nag import acknowledge_wildcard_resources
from constructs_lib.aws.twin_function import TwinFunction, TwinFunctionProps
from twin_contract import functions as contract
from twin_contract.aws_names import TTL_DELETION_PRINCIPAL, stream_failure_queue_name

BATCH_SIZE = 1000
BATCHING_WINDOW = Duration.minutes(5)  # the longest window DynamoDB stream mappings allow
DYNAMODB_TTL_PRINCIPAL = TTL_DELETION_PRINCIPAL


@dataclass(frozen=True)
class HotToColdMoverProps:
    twin_name: str
    bundle: Path
    hot_table: HotTable
    debug: bool
    cold: Local[s3.IBucket] | Remote  # Remote: the hot→cold bridge


class HotToColdMover(Construct):
    """Exposes `mover` (TwinFunction) and `failed_batches` (queue of batches that kept failing)."""

    def __init__(self, scope: Construct, id: str, props: HotToColdMoverProps) -> None:
        super().__init__(scope, id)
        environment = {contract.COLD_BUCKET_NAME: props.cold.resource.bucket_name} if isinstance(props.cold, Local) else {}
        self.mover = TwinFunction(
            self,
            "Mover",
            TwinFunctionProps(
                twin_name=props.twin_name,
                role_name="hot-to-cold",
                bundle=props.bundle,
                environment=environment,
                debug=props.debug,
                memory_mb=512,
                timeout_seconds=300,
                description=f"{props.twin_name} L3 hot→cold mover: TTL-expired items to cold storage",
            ),
        )
        function = self.mover.function
        match props.cold:
            case Local(bucket):
                cold_objects = bucket.arn_for_objects("*")
                iam.Grant.add_to_principal(grantee=function, actions=["s3:PutObject"], resource_arns=[cold_objects])
                acknowledge_wildcard_resources(
                    function, [cold_objects], "object keys are per device and day, written as expired items arrive"
                )
            case Remote(send):
                send(function)

        self.failed_batches = failure_queue(
            self,
            "FailedBatches",
            queue_name=stream_failure_queue_name(props.twin_name),
            debug=props.debug,
            serves_as="the failure destination of the stream mapping",
        )
        function.add_event_source(
            event_sources.DynamoEventSource(
                props.hot_table.table,
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                batch_size=BATCH_SIZE,
                max_batching_window=BATCHING_WINDOW,
                bisect_batch_on_error=True,
                retry_attempts=5,
                on_failure=event_sources.SqsDlq(self.failed_batches),
                filters=[
                    lambda_.FilterCriteria.filter(
                        {
                            "eventName": lambda_.FilterRule.is_equal("REMOVE"),
                            "userIdentity": {
                                "type": lambda_.FilterRule.is_equal("Service"),
                                "principalId": lambda_.FilterRule.is_equal(DYNAMODB_TTL_PRINCIPAL),
                            },
                        }
                    )
                ],
            )
        )
