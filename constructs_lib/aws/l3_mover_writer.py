"""Receiver of a storage bridge (hot→cold, cold→archive): mover payloads in, one S3 object each.

The cold writer and the archive writer differ only in handler, bucket and name, so they are one
construct. The function may put objects and nothing else; the storage class is the handler's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from constructs import Construct

from constructs_lib.aws.bridge_receiver_function import BridgeReceiverFunction, BridgeReceiverFunctionProps
from constructs_lib.aws.nag import acknowledge_wildcard_resources


@dataclass(frozen=True)
class MoverWriterProps:
    twin_name: str
    bundle: Path
    role_name: str  # "cold-writer" or "archive-writer"; also the handler module with "_"
    bucket: s3.IBucket
    bucket_variable: str  # COLD_BUCKET_NAME or ARCHIVE_BUCKET_NAME (runtime contract)
    receive: Callable[[lambda_.Function, Construct], object]  # publishes the bridge endpoint
    debug: bool


class MoverWriter(BridgeReceiverFunction):
    """Exposes `function`."""

    def __init__(self, scope: Construct, id: str, props: MoverWriterProps) -> None:
        def put_objects(function: lambda_.Function) -> None:
            objects = props.bucket.arn_for_objects("*")
            iam.Grant.add_to_principal(grantee=function, actions=["s3:PutObject"], resource_arns=[objects])
            acknowledge_wildcard_resources(
                function, [objects], "object keys come from the mover payloads (per device and day)"
            )

        super().__init__(
            scope,
            id,
            BridgeReceiverFunctionProps(
                twin_name=props.twin_name,
                bundle=props.bundle,
                receive=props.receive,
                role_name=props.role_name,
                function_id="Writer",
                description=f"{props.twin_name} {props.role_name}: mover payloads from the remote cloud",
                environment={props.bucket_variable: props.bucket.bucket_name},
                grant=put_objects,
                timeout_seconds=60,
                debug=props.debug,
            ),
        )
