"""The receiving end of the L1→L2 bridge: L1 on another cloud posts telemetry here.

A Function URL guarded by the connection's token (InterCloudReceiver publishes both to the
connection registry); accepted records are handed to the processor asynchronously.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from constructs_lib.aws.inter_cloud_receiver import InterCloudReceiver, InterCloudReceiverProps
from constructs_lib.aws.twin_function import TwinFunction, TwinFunctionProps
from constructs_lib.registry import URL_KEY


@dataclass(frozen=True)
class IngestionProps:
    twin_name: str
    bundle: Path
    connection_id: str  # the L1→L2 bridge
    processor: lambda_.IFunction
    debug: bool = False


class Ingestion(Construct):
    """Exposes `function` and `receiver` (URL parameter and token secret)."""

    def __init__(self, scope: Construct, id: str, props: IngestionProps) -> None:
        super().__init__(scope, id)
        self.function = TwinFunction(
            self,
            "Ingestion",
            TwinFunctionProps(
                twin_name=props.twin_name,
                role_name="ingestion",
                bundle=props.bundle,
                handler_module="ingestion",
                environment={"PROCESSOR_FUNCTION_NAME": props.processor.function_name},
                debug=props.debug,
                description=f"{props.twin_name} ingestion: remote L1 telemetry → processor",
            ),
        ).function
        props.processor.grant_invoke_latest_version(self.function)
        self.receiver = InterCloudReceiver(
            self,
            "Endpoint",
            InterCloudReceiverProps(
                twin_name=props.twin_name,
                connection_id=props.connection_id,
                endpoints=((URL_KEY, self.function),),
                debug=props.debug,
            ),
        )
