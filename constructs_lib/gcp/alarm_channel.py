"""The twin's alarm channel on Google Cloud: a Pub/Sub notification channel on the topic
`<twin>-alarms` (what subscribers, chat bridges or an incident tool read), and an e-mail channel
when the project names an address (config_user.json admin_email).

Cloud Monitoring publishes as its notification service agent, which exists once the project has
a Pub/Sub channel; it may publish to this topic and no other.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktn_provider_google.data_google_project import DataGoogleProject
from cdktn_provider_google.monitoring_notification_channel import MonitoringNotificationChannel
from cdktn_provider_google.pubsub_topic import PubsubTopic
from cdktn_provider_google.pubsub_topic_iam_member import PubsubTopicIamMember
from constructs import Construct

from twin_contract.monitoring import alarm_channel_name

RETENTION = "604800s"  # 7 days: alarms outlive a weekend without a subscriber


@dataclass(frozen=True)
class AlarmChannelProps:
    twin_name: str
    topic_name: str  # within Google's name rules (twin_contract.gcp_names.resource_name)
    email: str | None = None


class AlarmChannel(Construct):
    """Exposes `topic` and `channels` (ids of the notification channels, for alert policies)."""

    def __init__(self, scope: Construct, id: str, props: AlarmChannelProps) -> None:
        super().__init__(scope, id)
        self.topic = PubsubTopic(self, "Topic", name=props.topic_name, message_retention_duration=RETENTION)
        pubsub = MonitoringNotificationChannel(
            self,
            "PubSub",
            type="pubsub",
            display_name=alarm_channel_name(props.twin_name),
            description=f"Alarms of digital twin {props.twin_name}",
            labels={"topic": self.topic.id},
        )
        project = DataGoogleProject(self, "Project")
        PubsubTopicIamMember(
            self,
            "MonitoringPublishes",
            topic=self.topic.id,
            role="roles/pubsub.publisher",
            member=f"serviceAccount:service-{project.number}@gcp-sa-monitoring-notification.iam.gserviceaccount.com",
            depends_on=[pubsub],
        )
        self.channels = [pubsub.id]
        if props.email:
            email = MonitoringNotificationChannel(
                self,
                "Email",
                type="email",
                display_name=f"{alarm_channel_name(props.twin_name)} e-mail",
                labels={"email_address": props.email},
            )
            self.channels.append(email.id)
