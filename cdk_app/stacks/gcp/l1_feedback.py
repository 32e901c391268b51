"""The L1 feedback receiver on Google: the receiving end of the L2 → L1 feedback bridge.

A stack of its own (Part.L1_FEEDBACK), deployed before L2 so the feedback function there finds its
endpoint. It holds the twin's feedback topic and its subscription, which need nothing of the L1 stack; the
L1 stack, deployed after, lets the devices' account pull from it and this stack's account read
the device list.
"""

from __future__ import annotations

from constructs import Construct

from cdk_app.stacks.gcp.base import GcpLayerStack
from cdk_app.stacks.gcp.outputs import DeviceFeedback, GcpFeedbackOutputs
from cdk_app.stacks.gcp.device_feedback import device_feedback_settings, device_feedback_topic
from twin_contract import functions as contract
from twin_contract.registry import URL_KEY
from cdk_app.stacks.context import LayerContext
from cdk_app.stacks.terraform.terraform_settings import TerraformSettings


class GcpFeedbackStack(GcpLayerStack):
    """Holds `topic` (FeedbackTopic) and `receiver`."""

    APIS = ("pubsub.googleapis.com",)

    def __init__(self, scope: Construct, ctx: LayerContext, **kwargs: TerraformSettings) -> None:
        super().__init__(scope, ctx, **kwargs)
        bridge = self.bridges.required_inbound(contract.FEEDBACK_RECEIVER)
        self.topic = device_feedback_topic(self)
        self.receiver = self.function(
            "FeedbackReceiver",
            "feedback-receiver",
            public=True,
            environment={
                contract.INBOUND_TOKEN_SECRET: self.bridges.inbound_token(contract.FEEDBACK_RECEIVER),
                **device_feedback_settings(self, self.topic),
            },
            description=f"Delivers feedback sent from {bridge.sender_cloud.value} to the devices ({bridge.connection_id})",
        )
        self.bridges.bind_receiver(contract.FEEDBACK_RECEIVER, {URL_KEY: self.receiver.url})
        self.outputs = GcpFeedbackOutputs(
            feedback=DeviceFeedback(self.topic.subscription.name, self.account.member),
            endpoints=dict(self.bridges.published),
        )
