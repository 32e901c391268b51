"""L1 ingestion on Google: a Pub/Sub telemetry topic devices publish to (Cloud IoT Core is retired).

Devices authenticate as the twin's publisher service account, which may publish to this topic
and nothing else; each message carries the device id as the attribute `device_id`. Messages the
dispatcher cannot deliver go to the dead-letter topic, whose subscription keeps them for a week
(a topic without a subscription would drop them) so an operator can inspect and replay them.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktn_provider_google.pubsub_subscription import PubsubSubscription
from cdktn_provider_google.pubsub_topic import PubsubTopic
from cdktn_provider_google.pubsub_topic_iam_member import PubsubTopicIamMember
from cdktn_provider_google.service_account import ServiceAccount
from constructs import Construct

from twin_contract.gcp_names import retained_subscription_name

RETENTION = "604800s"  # 7 days


@dataclass(frozen=True)
class TelemetryTopicProps:
    topic_name: str
    dead_letter_topic_name: str
    publisher_account_id: str  # 6–30 characters
    twin_name: str


class TelemetryTopic(Construct):
    """Exposes `topic`, `dead_letter_topic`, `dead_letter_subscription` and `publisher` (the device account)."""

    def __init__(self, scope: Construct, id: str, props: TelemetryTopicProps) -> None:
        super().__init__(scope, id)
        self.topic = PubsubTopic(self, "Telemetry", name=props.topic_name, message_retention_duration=RETENTION)
        self.dead_letter_topic = PubsubTopic(
            self, "DeadLetter", name=props.dead_letter_topic_name, message_retention_duration=RETENTION
        )
        self.dead_letter_subscription = PubsubSubscription(
            self,
            "DeadLetterRetained",
            name=retained_subscription_name(props.dead_letter_topic_name),
            topic=self.dead_letter_topic.id,
            message_retention_duration=RETENTION,
            ack_deadline_seconds=60,
            expiration_policy={"ttl": ""},  # never expires for lack of pulls
        )
        self.publisher = ServiceAccount(
            self,
            "Publisher",
            account_id=props.publisher_account_id,
            display_name=f"Devices of digital twin {props.twin_name} (telemetry publisher)",
        )
        PubsubTopicIamMember(
            self, "PublisherMayPublish", topic=self.topic.id, role="roles/pubsub.publisher", member=self.publisher.member
        )
