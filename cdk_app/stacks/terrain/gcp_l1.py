"""L1 ingestion on Google: telemetry topic → Eventarc → dispatcher → processor (or connector)."""

from __future__ import annotations

from cdktn import TerraformOutput
from cdktn_provider_google.pubsub_subscription_iam_member import PubsubSubscriptionIamMember
from cdktn_provider_google.pubsub_topic_iam_member import PubsubTopicIamMember

from cdk_app.config.model import Layer
from cdk_app.stacks.terrain.gcp import GcpLayerStack
from cdk_app.topology import BridgeKind
from constructs_lib.gcp.layer_service_account import ProjectRole
from constructs_lib.gcp.telemetry_topic import TelemetryTopic, TelemetryTopicProps
from constructs_lib.gcp.twin_function import EventTrigger, grant_invoke
from twin_contract.gcp_names import telemetry_dead_letter_topic_name, telemetry_topic_name

PUBSUB_PUBLISHED = "google.cloud.pubsub.topic.v1.messagePublished"
# Messages the dispatcher could not deliver for this long go to the dead-letter topic.
MAX_DELIVERY_AGE_SECONDS = 3600


class GcpL1Stack(GcpLayerStack):
    """Exposes `telemetry` (topic, dead-letter topic, device publisher account) and `dispatcher`."""

    APIS = ("pubsub.googleapis.com", "eventarc.googleapis.com")

    def project_roles(self) -> tuple[ProjectRole, ...]:
        # The Eventarc trigger delivers as the layer's account (no resource-level binding exists).
        return (ProjectRole("roles/eventarc.eventReceiver"),)

    def build(self) -> None:
        topology = self.ctx.topology
        self.telemetry = TelemetryTopic(
            self,
            "Telemetry",
            TelemetryTopicProps(
                topic_name=telemetry_topic_name(self.twin),
                dead_letter_topic_name=telemetry_dead_letter_topic_name(self.twin),
                publisher_account_id=self.service_account_id("devices"),
                twin_name=self.twin,
            ),
        )
        PubsubTopicIamMember(
            self,
            "DispatcherMayDeadLetter",
            topic=self.telemetry.dead_letter_topic.id,
            role="roles/pubsub.publisher",
            member=self.account.member,
        )
        bridge = topology.bridge(BridgeKind.L1_TO_L2)
        if bridge is None:
            processor = self.built[Layer.L2].processor
            # L2 is deployed first; this stack grants its own account the right to call the processor.
            grant_invoke(self, "MayInvokeProcessor", processor.service, self.region, self.account.member)
            target_url = processor.url
            self._grant_feedback_subscriptions()
        else:
            self.connector = self.function(
                "Connector",
                "connector",
                environment=self.sender(bridge),
                description=f"Forwards telemetry to the ingestion on {bridge.receiver_cloud.value} ({bridge.connection_id})",
            )
            target_url = self.connector.url
        self.dispatcher = self.function(
            "Dispatcher",
            "dispatcher",
            environment={
                "TARGET_URL": target_url,
                "DEAD_LETTER_TOPIC": self.telemetry.dead_letter_topic.id,
                "MAX_DELIVERY_AGE_SECONDS": str(MAX_DELIVERY_AGE_SECONDS),
            },
            event_trigger=EventTrigger(
                event_type=PUBSUB_PUBLISHED,
                pubsub_topic=self.telemetry.topic.id,
                service_account_email=self.account.email,
                retry=True,
            ),
            description="Normalises device telemetry from Pub/Sub and hands it to processing",
            internal_ingress_only=True,  # called by Eventarc only
        )
        TerraformOutput(self, "telemetry_topic", value=self.telemetry.topic.id)
        TerraformOutput(self, "device_publisher_account", value=self.telemetry.publisher.email)

    def service_account_id(self, role: str) -> str:
        from constructs_lib.gcp.naming import service_account_id

        return service_account_id(self.twin, role)

    def _grant_feedback_subscriptions(self) -> None:
        """Devices (the publisher account) may pull their feedback when L2 on Google sends any."""
        feedback = getattr(self.built[Layer.L2], "feedback_topic", None)
        if feedback is None:
            return
        for device_id, subscription in feedback.subscriptions.items():
            PubsubSubscriptionIamMember(
                self,
                f"DeviceMayPull-{device_id}",
                subscription=subscription.name,
                role="roles/pubsub.subscriber",
                member=self.telemetry.publisher.member,
            )
