"""Receiver of a storage bridge (hot→cold, cold→archive): mover payloads in, one S3 object each.

The cold writer and the archive writer differ only in handler, bucket and name, so they are one
construct. The function may put objects and nothing else; the storage class is the handler's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from constructs_lib.aws.inter_cloud_receiver import InterCloudReceiver, InterCloudReceiverProps
from constructs_lib.aws.l3_wildcard_acknowledgment import acknowledge_wildcard_resources
from constructs_lib.aws.twin_function import TwinFunction, TwinFunctionProps
from constructs_lib.registry import URL_KEY


@dataclass(frozen=True)
class MoverWriterProps:
    twin_name: str
    bundle: Path
    role_name: str  # "cold-writer" or "archive-writer"; also the handler module with "_"
    bucket: s3.IBucket
    bucket_variable: str  # COLD_BUCKET_NAME or ARCHIVE_BUCKET_NAME (runtime contract)
    connection_id: str
    debug: bool


class MoverWriter(Construct):
    """Exposes `writer` (TwinFunction) and `receiver` (its Function URL, token and registry entries)."""

    def __init__(self, scope: Construct, id: str, props: MoverWriterProps) -> None:
        super().__init__(scope, id)
        self.writer = TwinFunction(
            self,
            "Writer",
            TwinFunctionProps(
                twin_name=props.twin_name,
                role_name=props.role_name,
                bundle=props.bundle,
                handler_module=props.role_name.replace("-", "_"),
                environment={props.bucket_variable: props.bucket.bucket_name},
                debug=props.debug,
                timeout_seconds=60,
                description=f"{props.twin_name} {props.role_name}: mover payloads from the remote cloud",
            ),
        )
        objects = props.bucket.arn_for_objects("*")
        iam.Grant.add_to_principal(grantee=self.writer.function, actions=["s3:PutObject"], resource_arns=[objects])
        acknowledge_wildcard_resources(
            self.writer.function, [objects], "object keys come from the mover payloads (per device and day)"
        )
        self.receiver = InterCloudReceiver(
            self,
            "Endpoint",
            InterCloudReceiverProps(
                twin_name=props.twin_name,
                connection_id=props.connection_id,
                endpoints=((URL_KEY, self.writer.function),),
                debug=props.debug,
            ),
        )
