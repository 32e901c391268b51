"""What each AWS layer stack offers the AWS stacks deployed after it (cdk_app/stacks/outputs.py)."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3

from cdk_app.stacks.outputs import LayerOutputs
from constructs_lib.aws.l3_hot_table import HotTable


@dataclass(frozen=True)
class AwsArchiveOutputs(LayerOutputs):
    bucket: s3.IBucket  # destination of the cold bucket's replication


@dataclass(frozen=True)
class AwsColdOutputs(LayerOutputs):
    bucket: s3.IBucket  # where the hot→cold mover writes


@dataclass(frozen=True)
class AwsHotOutputs(LayerOutputs):
    table: HotTable  # the persister writes here
    hot_reader: lambda_.IFunction  # TwinMaker's data reader when L4 is on AWS too
    hot_reader_last_entry: lambda_.IFunction


@dataclass(frozen=True)
class AwsTwinOutputs(LayerOutputs):
    workspace_arn: str  # what Grafana may read
    workspace_id: str  # what Grafana's TwinMaker data source names
    bucket: s3.IBucket


@dataclass(frozen=True)
class AwsProcessingOutputs(LayerOutputs):
    processor: lambda_.IFunction  # the dispatcher invokes it when L1 is on AWS too


@dataclass(frozen=True)
class AwsFeedbackOutputs(LayerOutputs):
    """Nothing later stacks use: IoT Core needs no grant from the L1 stack."""


@dataclass(frozen=True)
class AwsIngestionOutputs(LayerOutputs):
    """Nothing later stacks use (L5 reads the twin, not L1)."""


@dataclass(frozen=True)
class AwsDashboardOutputs(LayerOutputs):
    """The last layer: nothing is built after it."""
