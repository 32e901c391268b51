"""L2 processing on AWS: one processor for every device, the persister and event checking.

The processor runs each device's user code from the processing bundle (one function, not one per
device, so adding a device adds no function). The persister writes to the hot table directly when
L3 hot is on AWS and over the L2→L3 hot bridge otherwise. When L1 is on another cloud, the
Ingestion endpoint receives its telemetry.
"""

from __future__ import annotations

from aws_cdk import Environment
from constructs import Construct

from twin_model.config.model import Layer
from twin_model.config.twin_info import TWIN_INFO_VARIABLE, twin_info_json
from cdk_app.stacks.aws.base import AwsLayerStack
from cdk_app.stacks.aws.outputs import AwsHotOutputs, AwsProcessingOutputs
from constructs_lib.aws.bridge_receiver_function import BridgeReceiverFunction, BridgeReceiverFunctionProps
from constructs_lib.aws.l2_event_checker import EventChecker, EventCheckerProps
from constructs_lib.aws.l2_persister import Persister, PersisterProps
from constructs_lib.aws.twin_function import TwinFunction, TwinFunctionProps
from twin_contract import functions as contract
from twin_contract.registry import URL_KEY
from cdk_app.stacks.context import LayerContext


class L2Stack(AwsLayerStack):
    """Holds the functions `processor`, `persister` and `ingestion` (None when L1 is on AWS), and
    `event_checker` (EventChecker, None without event checking)."""

    def __init__(self, scope: Construct, ctx: LayerContext, **kwargs: Environment) -> None:
        super().__init__(scope, ctx, **kwargs)
        ctx, bundles = self.ctx, self.bundles
        config = ctx.config
        debug = config.twin.debug
        self.event_checker = self._event_checker() if config.flags.use_event_checking else None

        self.persister = Persister(
            self,
            "Persister",
            PersisterProps(
                twin_name=ctx.twin,
                bundle=bundles.runtime,
                hot_retention_days=config.twin.hot_storage_size_in_days,
                hot_table=None if self.bridges.reaches(Layer.L3_HOT)
                else ctx.upstream.require(Layer.L3_HOT, AwsHotOutputs, ctx.stack_name).table.table,
                bridges=self.bridges.sender(contract.PERSISTER),
                event_checker=self.event_checker.function if self.event_checker else None,
                debug=debug,
            ),
        ).function

        self.processor = TwinFunction(
            self,
            "Processor",
            TwinFunctionProps(
                twin_name=ctx.twin,
                role_name="processor",
                bundle=bundles.processing,
                environment={contract.PERSISTER_FUNCTION_NAME: self.persister.function_name},
                debug=debug,
                async_failure_queue=True,
                description=f"{ctx.twin} processor: each device's process.py → persister",
            ),
        ).function
        self.persister.grant_invoke_latest_version(self.processor)

        # The receiving end of the L1→L2 bridge: accepted records go to the processor asynchronously.
        self.ingestion = (
            BridgeReceiverFunction(
                self,
                "Ingestion",
                BridgeReceiverFunctionProps(
                    twin_name=ctx.twin,
                    bundle=bundles.runtime,
                    receive=lambda function, scope: self.bridges.bind_receiver(contract.INGESTION, {URL_KEY: function}, scope),
                    role_name="ingestion",
                    function_id="Ingestion",
                    description=f"{ctx.twin} ingestion: remote L1 telemetry → processor",
                    environment={contract.PROCESSOR_FUNCTION_NAME: self.processor.function_name},
                    grant=self.processor.grant_invoke_latest_version,
                    debug=debug,
                ),
            ).function
            if self.bridges.inbound(contract.INGESTION)
            else None
        )
        self.outputs = AwsProcessingOutputs(processor=self.processor)

    def _event_checker(self) -> EventChecker:
        config = self.ctx.config
        invoked, workflow = [], []
        for rule in config.events:
            action = rule.action
            if action.type.is_workflow:
                workflow += [action.function_name, *filter(None, [action.function_name_b])]
            else:
                invoked.append(action.function_name)
        return EventChecker(
            self,
            "EventChecking",
            EventCheckerProps(
                twin_name=self.ctx.twin,
                bundle=self.bundles.processing,
                invoked_actions=tuple(dict.fromkeys(invoked)),
                workflow_actions=tuple(dict.fromkeys(workflow)),
                action_dirs=self.bundles.actions,
                action_environments=tuple(
                    (action.name, ((TWIN_INFO_VARIABLE, twin_info_json(config)),))
                    for action in config.actions if action.needs_twin_info
                ),
                workflow_definition_file=(
                    self.ctx.bundles.text_file("workflow/aws_step_function.json", config.workflow_definition)
                    if config.flags.trigger_notification_workflow and config.workflow_definition is not None else None
                ),
                device_feedback=config.flags.return_feedback_to_device,
                # L1 on another cloud: the feedback function reaches it over its bridges.
                feedback_bridge=self.bridges.sender(contract.FEEDBACK) if self.bridges.outbound(contract.FEEDBACK) else None,
                debug=config.twin.debug,
            ),
        )
