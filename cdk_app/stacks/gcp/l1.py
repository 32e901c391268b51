"""L1 ingestion on Google: telemetry topic → Eventarc → dispatcher → processor (or connector)."""

from __future__ import annotations

from cdktn import TerraformOutput
from constructs import Construct

from twin_model.config.model import Layer
from cdk_app.stacks.gcp.base import GcpLayerStack
from cdk_app.stacks.gcp.outputs import GcpFeedbackOutputs, GcpIngestionOutputs, GcpProcessingOutputs
from twin_model.topology import Part
from constructs_lib.gcp.grants import PUBSUB_PUBLISHER, PUBSUB_SUBSCRIBER, grant_subscription, grant_topic
from constructs_lib.gcp.layer_service_account import ProjectRole
from constructs_lib.gcp.naming import service_account_id
from constructs_lib.gcp.telemetry_topic import TelemetryTopic, TelemetryTopicProps
from constructs_lib.gcp.twin_function import EventTrigger, grant_invoke
from twin_contract import functions as contract
from constructs_lib.gcp.device_registry import DeviceRegistry, DeviceRegistryProps
from twin_contract.gcp_names import DEVICE_REGISTRY_PURPOSE, telemetry_dead_letter_topic_name, telemetry_topic_name
from cdk_app.stacks.context import LayerContext
from cdk_app.stacks.terraform.terraform_settings import TerraformSettings

PUBSUB_PUBLISHED = "google.cloud.pubsub.topic.v1.messagePublished"
DEVICE_REGISTRY_OUTPUT = "device_registry_bucket"  # twin_ops/post_deploy/gcp_device_registry.py reads them
FEEDBACK_SUBSCRIPTION_OUTPUT = "feedback_subscription"
# Messages the dispatcher could not deliver for this long go to the dead-letter topic.
MAX_DELIVERY_AGE_SECONDS = 3600


class GcpL1Stack(GcpLayerStack):
    """Holds `telemetry` (topic, dead-letter topic, device publisher account), `devices` (the device
    list's bucket) and `dispatcher`."""

    APIS = ("pubsub.googleapis.com", "eventarc.googleapis.com")

    def project_roles(self) -> tuple[ProjectRole, ...]:
        # The Eventarc trigger delivers as the layer's account (no resource-level binding exists).
        return (ProjectRole("roles/eventarc.eventReceiver"),)

    def __init__(self, scope: Construct, ctx: LayerContext, **kwargs: TerraformSettings) -> None:
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
        bridges = self.bridges.outbound(contract.CONNECTOR)  # L2 on another cloud
        if not bridges:
            processing = self.require(Layer.L2, GcpProcessingOutputs)
            # L2 is deployed first; this stack grants its own account the right to call the processor.
            grant_invoke(self, "MayInvokeProcessor", processing.processor.service, self.region, self.account.member)
            target_url = processing.processor.url
            feedback = processing.feedback  # when L2 on Google sends device feedback
        else:
            # The receiver split off L1, where there is one, holds the feedback topic.
            has_part = ctx.topology.stack(Layer.L1, Part.L1_FEEDBACK) is not None
            feedback = self.require(Layer.L1, GcpFeedbackOutputs, Part.L1_FEEDBACK).feedback if has_part else None
            connector_env: dict[str, str] = {}
            self.bridges.bind_sender(contract.CONNECTOR, connector_env)
            receivers = ", ".join(sorted({b.receiver_cloud.value for b in bridges}))
            ids = ", ".join(b.connection_id for b in bridges)
            self.connector = self.function(
                "Connector",
                "connector",
                environment=connector_env,
                description=f"Forwards telemetry to the ingestion on {receivers} ({ids})",
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
        self.devices = DeviceRegistry(
            self,
            "Devices",
            DeviceRegistryProps(self.bucket_name(DEVICE_REGISTRY_PURPOSE), self.region,
                                readers=(feedback.reader,) if feedback else (), debug=self.debug),
        )
        if feedback is not None:  # devices (the publisher account) pull their feedback
            grant_subscription(self, "DevicesMayPullFeedback", subscription=feedback.subscription,
                               role=PUBSUB_SUBSCRIBER, member=self.telemetry.publisher.member)
            TerraformOutput(self, FEEDBACK_SUBSCRIPTION_OUTPUT, value=feedback.subscription)
        TerraformOutput(self, "telemetry_topic", value=self.telemetry.topic.id)
        TerraformOutput(self, "device_publisher_account", value=self.telemetry.publisher.email)
        TerraformOutput(self, DEVICE_REGISTRY_OUTPUT, value=self.devices.name)
        self.outputs = GcpIngestionOutputs(endpoints=dict(self.bridges.published))
