"""The twin's device feedback topic on Google, in whichever stack delivers feedback to devices:
L2 when L1 is on Google too, else the L1 feedback receiver (cdk_app/stacks/gcp/l1_feedback.py)."""

from __future__ import annotations

from cdk_app.stacks.gcp.base import GcpLayerStack
from constructs_lib.gcp.feedback_topic import FeedbackTopic, FeedbackTopicProps
from constructs_lib.gcp.grants import PUBSUB_PUBLISHER, PUBSUB_VIEWER, grant_topic
from twin_contract import functions as contract

FEEDBACK_ROLE = "device-feedback"  # topic <twin>-device-feedback, subscriptions <twin>-device-feedback-<device>


def device_feedback_topic(stack: GcpLayerStack) -> FeedbackTopic:
    """The twin's feedback topic with one subscription per device; the stack's account may publish
    to it and list its subscriptions (a device is known when it has one, runtime/gcp/pubsub_devices.py)."""
    topic = FeedbackTopic(
        stack,
        "FeedbackTopic",
        FeedbackTopicProps(
            topic_name=stack.name(FEEDBACK_ROLE),
            device_ids=tuple(device.id for device in stack.ctx.config.devices),
            subscription_prefix=stack.name(FEEDBACK_ROLE),
        ),
    )
    grant_topic(stack, "FeedbackMayPublish", topic=topic.topic.id, role=PUBSUB_PUBLISHER, member=stack.account.member)
    grant_topic(stack, "FeedbackMayListDevices", topic=topic.topic.id, role=PUBSUB_VIEWER, member=stack.account.member)
    return topic


def device_feedback_settings(stack: GcpLayerStack, topic: FeedbackTopic) -> dict[str, str]:
    return {contract.FEEDBACK_TOPIC: topic.topic.id, contract.FEEDBACK_SUBSCRIPTION_PREFIX: stack.name(FEEDBACK_ROLE)}
