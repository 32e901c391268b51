"""The twin's device feedback topic on Google, in whichever stack delivers feedback to devices:
L2 when L1 is on Google too, else the L1 feedback receiver (cdk_app/stacks/gcp/l1_feedback.py)."""

from __future__ import annotations

from cdk_app.stacks.gcp.base import GcpLayerStack
from constructs_lib.gcp.feedback_topic import FeedbackTopic, FeedbackTopicProps
from constructs_lib.gcp.grants import PUBSUB_PUBLISHER, grant_topic
from twin_contract import functions as contract
from twin_contract.gcp_names import DEVICE_FEEDBACK_ROLE, DEVICE_REGISTRY_PURPOSE


def device_feedback_topic(stack: GcpLayerStack) -> FeedbackTopic:
    """The twin's feedback topic and its one subscription; the stack's account may publish to it.
    It reads the device list from the L1 stack's registry bucket (L1 grants it)."""
    name = stack.name(DEVICE_FEEDBACK_ROLE)
    topic = FeedbackTopic(stack, "FeedbackTopic", FeedbackTopicProps(topic_name=name, subscription_name=name))
    grant_topic(stack, "FeedbackMayPublish", topic=topic.topic.id, role=PUBSUB_PUBLISHER, member=stack.account.member)
    return topic


def device_feedback_settings(stack: GcpLayerStack, topic: FeedbackTopic) -> dict[str, str]:
    # The registry bucket's name is derived (project, twin, purpose): L1, deployed later, makes it.
    return {contract.FEEDBACK_TOPIC: topic.topic.id, contract.DEVICE_REGISTRY_BUCKET: stack.bucket_name(DEVICE_REGISTRY_PURPOSE)}
