"""L3 hot on AWS: the DynamoDB hot table, its readers, and the way out to cold storage (when there is one)."""

from __future__ import annotations

from aws_cdk import Environment
from constructs import Construct

from twin_model.config.model import Layer
from cdk_app.stacks.aws.base import AwsLayerStack
from cdk_app.stacks.aws.outputs import AwsColdOutputs, AwsHotOutputs
from constructs_lib.aws.bridge_receiver_function import BridgeReceiverFunction, BridgeReceiverFunctionProps
from constructs_lib.aws.l3_hot_readers import HotReaders, HotReadersProps
from constructs_lib.aws.l3_hot_table import HotTable, HotTableProps
from constructs_lib.aws.l3_hot_to_cold_mover import HotToColdMover, HotToColdMoverProps
from twin_contract import functions as contract
from twin_contract.registry import LAST_ENTRY_URL_KEY, URL_KEY
from cdk_app.stacks.context import LayerContext


class L3HotStack(AwsLayerStack):
    """Holds `table`, `hot_reader` and `hot_reader_last_entry` (Lambda functions).

    Bridges received here: the hot writer (L2 elsewhere), Function URLs on both readers (L4
    elsewhere) and on a dashboard reader pair (L5 not on L4's cloud). Bridge sent from here: the
    hot→cold mover in remote mode (cold elsewhere).
    """

    def __init__(self, scope: Construct, ctx: LayerContext, **kwargs: Environment) -> None:
        super().__init__(scope, ctx, **kwargs)
        twin, settings = self.ctx.twin, self.ctx.config.twin
        topology, bundle = self.ctx.topology, self.bundles.runtime
        hot_table = HotTable(self, "Hot", HotTableProps(twin_name=twin, debug=settings.debug))
        self.table = hot_table.table
        readers = HotReaders(
            self, "Readers", HotReadersProps(twin_name=twin, bundle=bundle, hot_table=hot_table, debug=settings.debug)
        )
        self.hot_reader = readers.hot_reader.function
        self.hot_reader_last_entry = readers.last_entry_reader.function

        if topology.placed(Layer.L3_COLD):  # no cold tier: records expire by their TTL, nothing moves them
            HotToColdMover(
                self,
                "HotToCold",
                HotToColdMoverProps(
                    twin_name=twin,
                    bundle=bundle,
                    hot_table=hot_table,
                    debug=settings.debug,
                    cold=self.destination(
                        Layer.L3_COLD,
                        contract.HOT_TO_COLD,
                        lambda: self.ctx.upstream.require(Layer.L3_COLD, AwsColdOutputs, self.ctx.stack_name).bucket,
                    ),
                ),
            )

        # With L2 on AWS the persister writes to the table itself; from elsewhere it posts here.
        if self.bridges.inbound(contract.HOT_WRITER):
            BridgeReceiverFunction(
                self,
                "HotWriter",
                BridgeReceiverFunctionProps(
                    twin_name=twin,
                    bundle=bundle,
                    receive=lambda function, scope: self.bridges.bind_receiver(contract.HOT_WRITER, {URL_KEY: function}, scope),
                    role_name="hot-writer",
                    function_id="Writer",
                    description=f"{twin} L3 hot writer: records from the remote L2",
                    environment={
                        contract.HOT_TABLE_NAME: self.table.table_name,
                        contract.HOT_RETENTION_DAYS: str(settings.hot_storage_size_in_days),
                    },
                    grant=hot_table.grant_write_records,
                    debug=settings.debug,
                ),
            )

        # The readers exist anyway (TwinMaker on AWS calls them); L4 elsewhere calls them over its bridge.
        self.bridges.bind_receiver(
            contract.HOT_READER, {URL_KEY: self.hot_reader, LAST_ENTRY_URL_KEY: self.hot_reader_last_entry}
        )
        # Grafana off the twin's cloud reads through a reader pair of its own, with its own token.
        if self.bridges.inbound(contract.DASHBOARD_READER):
            dashboard = HotReaders(
                self,
                "DashboardReaders",
                HotReadersProps(twin_name=twin, bundle=bundle, hot_table=hot_table, debug=settings.debug,
                                role_prefix="dashboard-reader"),
            )
            self.bridges.bind_receiver(
                contract.DASHBOARD_READER,
                {URL_KEY: dashboard.hot_reader.function, LAST_ENTRY_URL_KEY: dashboard.last_entry_reader.function},
            )
        self.outputs = AwsHotOutputs(
            table=hot_table, hot_reader=self.hot_reader, hot_reader_last_entry=self.hot_reader_last_entry
        )
