"""The persister: stores processed records in the hot tier, then hands them to the event checker.

With the hot table on AWS it writes straight to DynamoDB; with the hot tier on another cloud it
posts to that cloud's hot writer over the L2→L3 hot bridge. Every bridge it sends on (that one,
and with the twin on Azure Digital Twins the L2→L4 twin-update bridge to its ADT updater) is
bound by `bridges`: which ones is the topology's business, not the construct's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from constructs_lib.aws.l3_hot_table import WRITE_ACTIONS
from constructs_lib.aws.twin_function import FunctionLink, TwinFunction, TwinFunctionProps
from twin_contract import functions as contract


@dataclass(frozen=True)
class PersisterProps:
    twin_name: str
    bundle: Path
    hot_retention_days: int
    hot_table: dynamodb.ITable | None  # None: the hot tier is on another cloud, reached over `bridges`
    bridges: FunctionLink  # binds every bridge the persister sends on (none when all is on AWS)
    event_checker: lambda_.IFunction | None = None
    debug: bool = False


class Persister(Construct):
    """Exposes `function`."""

    def __init__(self, scope: Construct, id: str, props: PersisterProps) -> None:
        super().__init__(scope, id)
        environment = {}
        if props.hot_table is not None:
            environment = {
                contract.HOT_TABLE_NAME: props.hot_table.table_name,
                contract.HOT_RETENTION_DAYS: str(props.hot_retention_days),
            }
        if props.event_checker is not None:
            environment[contract.EVENT_CHECKER_FUNCTION_NAME] = props.event_checker.function_name
        self.function = TwinFunction(
            self,
            "Persister",
            TwinFunctionProps(
                twin_name=props.twin_name,
                role_name="persister",
                bundle=props.bundle,
                environment=environment,
                debug=props.debug,
                async_failure_queue=True,
                description=f"{props.twin_name} persister: processed records → hot storage",
            ),
        ).function
        if props.hot_table is not None:
            self.function.add_to_role_policy(
                iam.PolicyStatement(actions=list(WRITE_ACTIONS), resources=[props.hot_table.table_arn])
            )
        props.bridges(self.function)
        if props.event_checker is not None:
            props.event_checker.grant_invoke_latest_version(self.function)
