"""The two read paths into the hot table: a time-range reader and a last-entry reader.

TwinMaker invokes them directly (`dataReader`, `attributePropertyValueReaderByEntity`) when L4 is on
AWS; otherwise the L3 hot stack puts Function URLs in front of them for the remote twin. They only
need Query/GetItem: the device id arrives in TwinMaker's request (`iotDeviceId`), so no TwinMaker
permission is needed on this side. A second pair (`role_prefix="dashboard-reader"`, the same code)
serves Grafana on another cloud than the twin behind its own Function URLs and token.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from constructs import Construct

from constructs_lib.aws.l3_hot_table import HotTable
from constructs_lib.aws.twin_function import TwinFunction, TwinFunctionProps
from twin_contract import functions as contract


@dataclass(frozen=True)
class HotReadersProps:
    twin_name: str
    bundle: Path
    hot_table: HotTable
    debug: bool
    role_prefix: str = "hot-reader"  # functions <twin>-<prefix> and <twin>-<prefix>-last-entry


class HotReaders(Construct):
    """Exposes `hot_reader` and `last_entry_reader` (TwinFunctions)."""

    def __init__(self, scope: Construct, id: str, props: HotReadersProps) -> None:
        super().__init__(scope, id)
        self.hot_reader = self._reader("HotReader", "", "hot_reader", "time-range reads", props)
        self.last_entry_reader = self._reader(
            "LastEntryReader", "-last-entry", "hot_reader_last_entry", "newest record", props
        )

    def _reader(self, id: str, suffix: str, module: str, purpose: str, props: HotReadersProps) -> TwinFunction:
        reader = TwinFunction(
            self,
            id,
            TwinFunctionProps(
                twin_name=props.twin_name,
                role_name=f"{props.role_prefix}{suffix}",
                bundle=props.bundle,
                environment={contract.HOT_TABLE_NAME: props.hot_table.table.table_name},
                debug=props.debug,
                description=f"{props.twin_name} L3 {props.role_prefix.replace('-', ' ')}: {purpose}",
                handler=f"runtime.aws.{module}.handler",
            ),
        )
        props.hot_table.grant_read_records(reader.function)
        return reader
