"""Device feedback on Google: one Pub/Sub topic per twin, one filtered subscription per device.

There is no device registry on Google Cloud (Cloud IoT Core is retired; the predecessor's
feedback function wrote to one that does not exist). The feedback function publishes
`{"message": payload}` with the attribute `device_id`; each device pulls from its own
subscription, whose filter delivers only its messages.
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
    device_ids: tuple[str, ...]
    subscription_prefix: str  # subscriptions are named <prefix>-<device id>


class FeedbackTopic(Construct):
    """Exposes `topic` and `subscriptions` (device id → PubsubSubscription)."""

    def __init__(self, scope: Construct, id: str, props: FeedbackTopicProps) -> None:
        super().__init__(scope, id)
        self.topic = PubsubTopic(self, "Topic", name=props.topic_name, message_retention_duration=RETENTION)
        self.subscriptions = {
            device_id: PubsubSubscription(
                self,
                f"Device-{device_id}",
                name=f"{props.subscription_prefix}-{device_id}",
                topic=self.topic.id,
                filter=f'attributes.device_id = "{device_id}"',
                message_retention_duration=RETENTION,
                ack_deadline_seconds=30,
                expiration_policy={"ttl": ""},
            )
            for device_id in props.device_ids
        }
