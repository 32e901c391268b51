"""L1 ingestion on Azure: IoT Hub → Event Grid → `telemetry` queue → dispatcher → L2 (or connector)."""

from __future__ import annotations

from twin_model.config.model import Layer
from cdk_app.stacks.azure.base import AzureLayerStack
from cdk_app.stacks.azure.outputs import AzureFeedbackOutputs, AzureIngestionOutputs, AzureProcessingOutputs
from twin_model.topology import BridgeKind, Part
from constructs_lib.azure import roles
from constructs_lib.azure.iot_ingestion import IotIngestion, IotIngestionProps
from twin_contract import functions as contract
from twin_contract.azure_names import CONNECTOR_QUEUE, TELEMETRY_QUEUE

DEVICES_MANIFEST = "iot/devices.json"


class AzureIngestionStack(AzureLayerStack):
    def __init__(self, scope, ctx, **kwargs) -> None:
        super().__init__(scope, ctx, **kwargs)
        bridge = self.topology.bridge(BridgeKind.L1_TO_L2)
        functions, queues, settings = [contract.DISPATCHER], [TELEMETRY_QUEUE], {}
        processing = None if bridge is not None else self.require(Layer.L2, AzureProcessingOutputs)
        if bridge is not None:
            functions.append(contract.CONNECTOR)
            queues.append(CONNECTOR_QUEUE)
            settings.update(self.bridges.send(bridge))
        host = self.add_function_host(tuple(functions), settings, queues=tuple(queues))
        if processing is None:
            host.app.add_override(f"app_settings.{contract.TARGET_QUEUE_URL}", host.queue_urls[CONNECTOR_QUEUE])
        else:  # L2 on Azure: the dispatcher enqueues straight into the processor's queue
            roles.grant(self, "DispatcherSendsToProcessor", role=roles.QUEUE_MESSAGE_SENDER,
                        principal_id=self.identity.principal_id, resource_id=processing.processor_queue_id)
            host.app.add_override(f"app_settings.{contract.TARGET_QUEUE_URL}", processing.processor_queue_url)
        ingestion = IotIngestion(
            self,
            "Iot",
            IotIngestionProps(self.placement, queue_storage_account_id=host.storage_account.id,
                              queue_name=TELEMETRY_QUEUE, queue_id=host.queue_ids[TELEMETRY_QUEUE]),
        )
        if processing is not None and processing.sends_device_feedback:
            # L2 is deployed first: the hub's owner lets L2's identity update device twins.
            roles.grant(self, "FeedbackUpdatesDeviceTwins", role=roles.IOT_HUB_TWIN_CONTRIBUTOR,
                        principal_id=processing.identity_principal_id, resource_id=ingestion.hub.id)
        feedback = self.upstream(Layer.L1, AzureFeedbackOutputs, Part.L1_FEEDBACK)
        if feedback is not None:
            # L2 on another cloud sends feedback to the receiver deployed before L2 (and this stack).
            roles.grant(self, "FeedbackReceiverUpdatesDeviceTwins", role=roles.IOT_HUB_TWIN_CONTRIBUTOR,
                        principal_id=feedback.identity_principal_id, resource_id=ingestion.hub.id)
        self.write_deploy_file(DEVICES_MANIFEST, self.devices_manifest())
        self.outputs = self.layer_outputs(AzureIngestionOutputs)

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
