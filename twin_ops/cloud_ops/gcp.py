"""Google Cloud's part of operating a deployed twin (twin_ops.cloud_ops.CloudOps)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from twin_contract import gcp_names
from twin_model.config.model import Layer, ProjectConfig, Provider
from twin_model.topology import Topology
from twin_ops.cloud_clients import open_google
from twin_ops.cloud_ops import DeviceLink, FeedbackCallback, FeedbackReader, Reach
from twin_ops.dead_letters import DeadLetter, Kind
from twin_ops.redrive import gcp as redrive
from twin_ops.redrive.engine import Deliver, Source
from twin_ops.simulator.config import DeviceCredentials, SimulatorConfig
from twin_ops.simulator.errors import SimulatorError
from twin_ops.status import hot


class GoogleOps:
    def open(self, reach: Reach) -> Any:
        return open_google(reach.gcp_project)

    def dead_letters(self, layer: Layer, config: ProjectConfig, topology: Topology) -> list[DeadLetter]:
        """The dispatcher's dead-letter topic, kept by its retained subscription (L1); the other
        layers' functions are retried by Pub/Sub and Eventarc and log what they drop."""
        if layer is not Layer.L1:
            return []
        telemetry = gcp_names.telemetry_dead_letter_topic_name(config.name)
        return [DeadLetter(layer, Provider.GOOGLE, Kind.PUBSUB, gcp_names.retained_subscription_name(telemetry),
                           gcp_names.telemetry_topic_name(config.name))]

    def open_dead_letter(self, destination: DeadLetter, clients: Any, twin: str) -> tuple[Source | None, Deliver]:
        from twin_ops.status.pubsub_depth import undelivered_messages

        d, project = destination, clients.project
        subscription = redrive.DeadLetterSubscription(
            clients.subscriber(), f"projects/{project}/subscriptions/{d.source}",
            count=lambda: undelivered_messages(clients.session(), project, d.source),
        )
        return subscription, redrive.to_topic(clients.publisher(), f"projects/{project}/topics/{d.target}")

    def newest_record(self, clients: Any, twin: str, device: str) -> dict[str, Any] | None:
        return hot.firestore_newest(clients.firestore(gcp_names.hot_database_name(twin)), gcp_names.HOT_COLLECTION, device)

    def open_device_link(
        self, config: SimulatorConfig, device: DeviceCredentials, folder: Path, deliver: FeedbackCallback
    ) -> DeviceLink:
        from twin_ops.simulator.pubsub_link import PubSubLink

        if config.pubsub is None:
            raise SimulatorError("the simulator's configuration has no Pub/Sub topic: run the gcp-device-registry post-deploy step")
        return PubSubLink(config.pubsub.topic, device.device_id)  # feedback: the one subscription (simulator/run.py)

    def open_feedback(self, config: SimulatorConfig, deliver: FeedbackCallback) -> FeedbackReader | None:
        if config.pubsub is None or not config.pubsub.feedback_subscription:
            return None
        from twin_ops.simulator.pubsub_link import PubSubFeedback

        return PubSubFeedback(config.pubsub.feedback_subscription, deliver)


OPS = GoogleOps()
