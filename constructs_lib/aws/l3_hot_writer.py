"""Receiver of the L2→L3 hot bridge: a Function URL that stores the remote persister's records.

Exists only when L2 runs on another cloud; on AWS the persister writes to the table directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from constructs import Construct

from constructs_lib.aws.inter_cloud_receiver import InterCloudReceiver, InterCloudReceiverProps
from constructs_lib.aws.l3_hot_table import HotTable
from constructs_lib.aws.twin_function import TwinFunction, TwinFunctionProps
from constructs_lib.registry import URL_KEY


@dataclass(frozen=True)
class HotWriterProps:
    twin_name: str
    bundle: Path
    hot_table: HotTable
    retention_days: int
    connection_id: str
    debug: bool


class HotWriter(Construct):
    """Exposes `writer` (TwinFunction) and `receiver` (its Function URL, token and registry entries)."""

    def __init__(self, scope: Construct, id: str, props: HotWriterProps) -> None:
        super().__init__(scope, id)
        self.writer = TwinFunction(
            self,
            "Writer",
            TwinFunctionProps(
                twin_name=props.twin_name,
                role_name="hot-writer",
                bundle=props.bundle,
                handler_module="hot_writer",
                environment={
                    "HOT_TABLE_NAME": props.hot_table.table.table_name,
                    "HOT_RETENTION_DAYS": str(props.retention_days),
                },
                debug=props.debug,
                description=f"{props.twin_name} L3 hot writer: records from the remote L2",
            ),
        )
        props.hot_table.grant_write_records(self.writer.function)
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
