"""L1 on Azure: IoT Hub, and its device-telemetry events delivered to the dispatcher's queue.

Why Event Grid → Storage queue (not → function endpoint): an Event Grid subscription to a function
endpoint is validated against the running function when it is created, which made the predecessor
sleep 180 s for the code to be indexed. A queue endpoint needs nothing running, Event Grid retries
delivery for 24 h and dead-letters to a blob container, and the queue keeps events while the
dispatcher is being deployed or failing (poison queue after 5 tries).

Device identities are data-plane objects (no azurerm resource), loaded by bulk jobs after deploy
(constructs_lib/azure/device_enrollment.py, twin_ops/post_deploy/azure_device_identities.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from constructs_lib.azure import roles
from constructs_lib.azure.placement import AzurePlacement
from twin_contract.azure_names import TELEMETRY_DEAD_LETTER_CONTAINER

TELEMETRY_EVENT = "Microsoft.Devices.DeviceTelemetry"
DEAD_LETTER_CONTAINER = TELEMETRY_DEAD_LETTER_CONTAINER


@dataclass(frozen=True)
class IotIngestionProps:
    placement: AzurePlacement
    queue_storage_account_id: str  # the dispatcher's host storage account
    queue_name: str
    queue_id: str  # that queue's resource id: Event Grid may send to this queue only
    sku: str = "S1"


class IotIngestion(Construct):
    """Exposes `hub`, `system_topic` and `subscription`."""

    def __init__(self, scope: Construct, id: str, props: IotIngestionProps) -> None:
        super().__init__(scope, id)
        from cdktn_provider_azurerm.eventgrid_system_topic import EventgridSystemTopic
        from cdktn_provider_azurerm.eventgrid_system_topic_event_subscription import (
            EventgridSystemTopicEventSubscription,
        )
        from cdktn_provider_azurerm.iothub import Iothub
        from cdktn_provider_azurerm.storage_container import StorageContainer

        placement = props.placement
        self.hub = Iothub(
            self,
            "Hub",
            name=placement.names.global_name("iothub", 50),
            **placement.resource_args(),
            sku={"name": props.sku, "capacity": 1},
            min_tls_version="1.2",
            identity={"type": "SystemAssigned"},  # bulk import and export jobs reach their container as the hub
        )
        self.system_topic = EventgridSystemTopic(
            self,
            "Events",
            name=placement.names.plain("iothub-events"),
            **placement.resource_args(),
            source_resource_id=self.hub.id,
            topic_type="Microsoft.Devices.IoTHubs",
            identity={"type": "SystemAssigned"},
        )
        dead_letters = StorageContainer(
            self, "DeadLetters", name=DEAD_LETTER_CONTAINER, storage_account_id=props.queue_storage_account_id,
            container_access_type="private",
        )
        principal = self.system_topic.identity.principal_id
        grants = [
            roles.grant(self, "TopicSendsToQueue", role=roles.QUEUE_MESSAGE_SENDER, principal_id=principal,
                        resource_id=props.queue_id),
            roles.grant(self, "TopicDeadLetters", role=roles.BLOB_DATA_CONTRIBUTOR, principal_id=principal,
                        resource_id=dead_letters.id),
        ]
        self.subscription = EventgridSystemTopicEventSubscription(
            self,
            "Telemetry",
            name=placement.names.plain("telemetry"),
            resource_group_name=placement.resource_group_name,
            system_topic=self.system_topic.name,
            included_event_types=[TELEMETRY_EVENT],
            event_delivery_schema="EventGridSchema",
            delivery_identity={"type": "SystemAssigned"},
            dead_letter_identity={"type": "SystemAssigned"},
            storage_queue_endpoint={
                "storage_account_id": props.queue_storage_account_id,
                "queue_name": props.queue_name,
                "queue_message_time_to_live_in_seconds": 7 * 86400,
            },
            storage_blob_dead_letter_destination={
                "storage_account_id": props.queue_storage_account_id,
                "storage_blob_container_name": DEAD_LETTER_CONTAINER,
            },
            retry_policy={"max_delivery_attempts": 30, "event_time_to_live": 1440},
            depends_on=grants,
        )
