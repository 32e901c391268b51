"""The L1 feedback receiver on AWS: the receiving end of the L2 → L1 feedback bridge.

A stack of its own (Part.L1_FEEDBACK), deployed before L2 so the feedback function there finds its
endpoint; it needs nothing of the L1 stack: IoT Core topics and things are addressed by the twin's
names (runtime/aws/iot_devices.py).
"""

from __future__ import annotations

from aws_cdk import Environment
from constructs import Construct

from cdk_app.stacks.aws.base import AwsLayerStack
from cdk_app.stacks.aws.outputs import AwsFeedbackOutputs
from constructs_lib.aws.bridge_receiver_function import BridgeReceiverFunction, BridgeReceiverFunctionProps
from constructs_lib.aws.iot_device_feedback_access import grant_device_feedback
from twin_contract import functions as contract
from twin_contract.registry import URL_KEY
from cdk_app.stacks.context import LayerContext


class L1FeedbackStack(AwsLayerStack):
    """Holds `receiver` (the function behind the connection's Function URL)."""

    def __init__(self, scope: Construct, ctx: LayerContext, **kwargs: Environment) -> None:
        super().__init__(scope, ctx, **kwargs)
        twin = self.ctx.twin
        self.receiver = BridgeReceiverFunction(
            self,
            "FeedbackReceiver",
            BridgeReceiverFunctionProps(
                twin_name=twin,
                bundle=self.bundles.runtime,
                receive=lambda function, scope: self.bridges.bind_receiver(contract.FEEDBACK_RECEIVER, {URL_KEY: function}, scope),
                role_name="feedback-receiver",
                function_id="Receiver",
                description=f"{twin} feedback receiver: feedback from the remote L2 → device topics",
                grant=lambda function: grant_device_feedback(function, twin),
                debug=self.ctx.debug,
            ),
        ).function
        self.outputs = AwsFeedbackOutputs()
