"""Device feedback on Google: one Pub/Sub topic per twin and its one subscription, for any fleet.

There is no device registry on Google Cloud (Cloud IoT Core is retired; the predecessor's
feedback function wrote to one that does not exist), and a subscription per device would stop at
Pub/Sub's 10,000 subscriptions per project. The feedback function publishes `{"message": payload}`
with the attribute `device_id`; the device side (a gateway, the simulator) pulls the one
subscription and hands each message to its device.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktn_provider_google.pubsub_subscription import PubsubSubscription
from cdktn_provider_google.pubsub_topic import PubsubTopic
from constructs import Construct

RETENTION = "86400s"  # feedback older than a day is stale


@dataclass(frozen=True)
class FeedbackTopicProps:
    topic_name: str
    subscription_name: str


class FeedbackTopic(Construct):
    """Exposes `topic` and `subscription`."""

    def __init__(self, scope: Construct, id: str, props: FeedbackTopicProps) -> None:
        super().__init__(scope, id)
        self.topic = PubsubTopic(self, "Topic", name=props.topic_name, message_retention_duration=RETENTION)
        self.subscription = PubsubSubscription(
            self,
            "Devices",
            name=props.subscription_name,
            topic=self.topic.id,
            message_retention_duration=RETENTION,
            ack_deadline_seconds=30,
            expiration_policy={"ttl": ""},
        )
