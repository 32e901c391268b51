"""The L1 feedback receiver on Google: the receiving end of the L2 → L1 feedback bridge.

A stack of its own (Part.L1_FEEDBACK), deployed before L2 so the feedback function there finds its
endpoint. It holds the twin's feedback topic and the devices' subscriptions, which need nothing of
the L1 stack; the L1 stack, deployed after, lets the devices' account pull from them.
"""

from __future__ import annotations

from cdk_app.stacks.gcp.base import GcpLayerStack
from cdk_app.stacks.gcp.outputs import GcpFeedbackOutputs
from cdk_app.stacks.gcp.device_feedback import device_feedback_settings, device_feedback_topic
from twin_model.topology import BridgeKind
from twin_contract import functions as contract
from twin_contract.registry import URL_KEY


class GcpFeedbackStack(GcpLayerStack):
    """Holds `topic` (FeedbackTopic) and `receiver`."""

    APIS = ("pubsub.googleapis.com",)

    def __init__(self, scope, ctx, **kwargs) -> None:
        super().__init__(scope, ctx, **kwargs)
        bridge = ctx.topology.bridge(BridgeKind.L2_TO_L1_FEEDBACK)
        self.topic = device_feedback_topic(self)
        self.receiver = self.function(
            "FeedbackReceiver",
            "feedback-receiver",
            public=True,
            environment={
                contract.INBOUND_TOKEN_SECRET: self.bridges.inbound_token_secret(bridge),
                **device_feedback_settings(self, self.topic),
            },
            description=f"Delivers feedback sent from {bridge.sender_cloud.value} to the devices ({bridge.connection_id})",
        )
        self.bridges.receive(bridge, {URL_KEY: self.receiver.url})
        self.outputs = GcpFeedbackOutputs(
            feedback_subscriptions={device_id: sub.name for device_id, sub in self.topic.subscriptions.items()},
            endpoints=dict(self.bridges.published),
        )
