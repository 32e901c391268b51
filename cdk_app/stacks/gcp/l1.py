"""L1 ingestion on Google: telemetry topic → Eventarc → dispatcher → processor (or connector)."""

from __future__ import annotations

from cdktn import TerraformOutput

from twin_model.config.model import Layer
from cdk_app.stacks.gcp.base import GcpLayerStack
from cdk_app.stacks.gcp.outputs import GcpFeedbackOutputs, GcpIngestionOutputs, GcpProcessingOutputs
from twin_model.topology import BridgeKind, Part
from constructs_lib.gcp.grants import PUBSUB_PUBLISHER, PUBSUB_SUBSCRIBER, grant_subscription, grant_topic
from constructs_lib.gcp.layer_service_account import ProjectRole
from constructs_lib.gcp.naming import service_account_id
from constructs_lib.gcp.telemetry_topic import TelemetryTopic, TelemetryTopicProps
from constructs_lib.gcp.twin_function import EventTrigger, grant_invoke
from twin_contract import functions as contract
from twin_contract.gcp_names import telemetry_dead_letter_topic_name, telemetry_topic_name

PUBSUB_PUBLISHED = "google.cloud.pubsub.topic.v1.messagePublished"
# Messages the dispatcher could not deliver for this long go to the dead-letter topic.
MAX_DELIVERY_AGE_SECONDS = 3600


class GcpL1Stack(GcpLayerStack):
    """Holds `telemetry` (topic, dead-letter topic, device publisher account) and `dispatcher`."""

    APIS = ("pubsub.googleapis.com", "eventarc.googleapis.com")

    def project_roles(self) -> tuple[ProjectRole, ...]:
        # The Eventarc trigger delivers as the layer's account (no resource-level binding exists).
        return (ProjectRole("roles/eventarc.eventReceiver"),)

    def __init__(self, scope, ctx, **kwargs) -> None:
        super().__init__(scope, ctx, **kwargs)
        self.telemetry = TelemetryTopic(
            self,
            "Telemetry",
            TelemetryTopicProps(
                topic_name=telemetry_topic_name(self.twin),
                dead_letter_topic_name=telemetry_dead_letter_topic_name(self.twin),
                publisher_account_id=service_account_id(self.twin, "devices"),
                twin_name=self.twin,
            ),
        )
        grant_topic(self, "DispatcherMayDeadLetter", topic=self.telemetry.dead_letter_topic.id,
                    role=PUBSUB_PUBLISHER, member=self.account.member)
        bridge = ctx.topology.bridge(BridgeKind.L1_TO_L2)
        if bridge is None:
            processing = self.upstream(Layer.L2, GcpProcessingOutputs)
            # L2 is deployed first; this stack grants its own account the right to call the processor.
            grant_invoke(self, "MayInvokeProcessor", processing.processor.service, self.region, self.account.member)
            target_url = processing.processor.url
            # Devices (the publisher account) may pull their feedback when L2 on Google sends any.
            for device_id, subscription in processing.feedback_subscriptions.items():
                grant_subscription(self, f"DeviceMayPull-{device_id}", subscription=subscription,
                                   role=PUBSUB_SUBSCRIBER, member=self.telemetry.publisher.member)
        else:
            feedback = ctx.topology.bridge(BridgeKind.L2_TO_L1_FEEDBACK)
            if feedback is not None:  # the receiver split off L1 holds the subscriptions
                subscriptions = self.upstream(Layer.L1, GcpFeedbackOutputs, Part.L1_FEEDBACK).feedback_subscriptions
                for device_id, subscription in subscriptions.items():
                    grant_subscription(self, f"DeviceMayPull-{device_id}", subscription=subscription,
                                       role=PUBSUB_SUBSCRIBER, member=self.telemetry.publisher.member)
            self.connector = self.function(
                "Connector",
                "connector",
                environment=self.bridges.send(bridge),
                description=f"Forwards telemetry to the ingestion on {bridge.receiver_cloud.value} ({bridge.connection_id})",
            )
            target_url = self.connector.url
        self.dispatcher = self.function(
            "Dispatcher",
            "dispatcher",
            environment={
                contract.TARGET_URL: target_url,
                contract.DEAD_LETTER_TOPIC: self.telemetry.dead_letter_topic.id,
                contract.MAX_DELIVERY_AGE_SECONDS: str(MAX_DELIVERY_AGE_SECONDS),
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
        self.outputs = GcpIngestionOutputs(endpoints=dict(self.bridges.published))
