"""L1 ingestion on Azure: IoT Hub → Event Grid → `telemetry` queue → dispatcher → L2 (or connector)."""

from __future__ import annotations

from cdk_app.config.model import Layer
from cdk_app.stacks.terrain.azure import AzureLayerStack
from cdk_app.stacks.terrain.azure_l2 import IOT_HUB_HOST_SECRET
from cdk_app.topology import BridgeKind
from constructs_lib.azure import roles
from constructs_lib.azure.iot_ingestion import IotIngestion, IotIngestionProps
from twin_contract.azure_names import CONNECTOR_QUEUE, TELEMETRY_QUEUE

DEVICES_MANIFEST = "iot/devices.json"


class AzureIngestionStack(AzureLayerStack):
    def __init__(self, scope, ctx, **kwargs) -> None:
        super().__init__(scope, ctx, **kwargs)
        bridge = self.bridge(BridgeKind.L1_TO_L2)
        functions, queues, settings = ["dispatcher"], [TELEMETRY_QUEUE], {}
        processing = self.built_azure(Layer.L2)
        if bridge is not None:
            functions.append("connector")
            queues.append(CONNECTOR_QUEUE)
            settings.update(self.add_sender(bridge).settings())
        host = self.add_function_host(tuple(functions), settings, queues=tuple(queues))
        if bridge is not None:
            host.app.add_override("app_settings.TARGET_QUEUE_URL", host.queue_urls[CONNECTOR_QUEUE])
        else:  # L2 on Azure: the dispatcher enqueues straight into the processor's queue
            roles.grant(self, "DispatcherSendsToProcessor", role=roles.QUEUE_MESSAGE_SENDER,
                        principal_id=self.identity.principal_id, resource_id=processing.processor_queue_id)
            host.app.add_override("app_settings.TARGET_QUEUE_URL", processing.processor_queue_url)
        self.ingestion = IotIngestion(
            self,
            "Iot",
            IotIngestionProps(self.names, self.location, self.resource_group.name,
                              queue_storage_account_id=host.storage_account.id, queue_name=TELEMETRY_QUEUE,
                              queue_id=host.queue_ids[TELEMETRY_QUEUE],
                              tags=self.tags),
        )
        if processing is not None and processing.host is not None and "feedback" in _functions(processing):
            # L2 is deployed first: this stack tells it where the hub is and lets it update device twins.
            roles.grant(self, "FeedbackUpdatesDeviceTwins", role=roles.IOT_HUB_TWIN_CONTRIBUTOR,
                        principal_id=processing.identity.principal_id, resource_id=self.ingestion.hub.id)
            processing.vault.secret(
                self, "HubHostForL2", name=IOT_HUB_HOST_SECRET, value=self.ingestion.hub.hostname,
                content_type="host name of the twin's IoT Hub (device feedback)",
            )
        self.write_deploy_file(DEVICES_MANIFEST, self.devices_manifest())

    def devices_manifest(self) -> dict:
        """What the post-deploy step registers (device identities are IoT Hub data-plane objects)."""
        return {
            "iot_hub_name": self.names.global_name("iothub", 50),
            "resource_group": self.names.resource_group(),
            "telemetry": {"content_type": "application/json", "content_encoding": "utf-8"},
            "devices": [
                {
                    "device_id": device.id,
                    "auth_method": "shared_private_key",
                    "init_values": {p.name: p.init_value for p in device.properties if p.init_value is not None},
                }
                for device in self.config.devices
            ],
        }


def _functions(stack: AzureLayerStack) -> tuple[str, ...]:
    return stack.host.functions if stack.host is not None else ()
