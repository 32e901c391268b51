"""The hot store: one DynamoDB table of recent telemetry, keyed like every cloud's hot store.

Records carry `ttl` (epoch seconds, written by the persister and the hot writer), so DynamoDB
expires them at the end of the hot window by itself; the table's stream hands every expired item
(`OLD_IMAGE`) to the hot→cold mover. No scheduled scan, no mover reading the table.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from constructs import Construct

from twin_contract.aws_names import hot_table_name

TTL_ATTRIBUTE = "ttl"
READ_ACTIONS = ("dynamodb:Query", "dynamodb:GetItem")
WRITE_ACTIONS = ("dynamodb:PutItem", "dynamodb:BatchWriteItem")


@dataclass(frozen=True)
class HotTableProps:
    twin_name: str
    debug: bool


class HotTable(Construct):
    """Exposes `table`; `grant_read_records` / `grant_write_records` give exactly what the runtime calls."""

    def __init__(self, scope: Construct, id: str, props: HotTableProps) -> None:
        super().__init__(scope, id)
        self.table = dynamodb.Table(
            self,
            "Table",
            table_name=hot_table_name(props.twin_name),
            partition_key=dynamodb.Attribute(name="device_id", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="timestamp", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=TTL_ATTRIBUTE,
            stream=dynamodb.StreamViewType.OLD_IMAGE,
            removal_policy=RemovalPolicy.DESTROY if props.debug else RemovalPolicy.RETAIN,
        )

    def grant_read_records(self, grantee: iam.IGrantable) -> None:
        iam.Grant.add_to_principal(grantee=grantee, actions=list(READ_ACTIONS), resource_arns=[self.table.table_arn])

    def grant_write_records(self, grantee: iam.IGrantable) -> None:
        iam.Grant.add_to_principal(grantee=grantee, actions=list(WRITE_ACTIONS), resource_arns=[self.table.table_arn])
