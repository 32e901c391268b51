"""L1 ingestion on Azure: IoT Hub → Event Grid → `telemetry` queue → dispatcher → L2 (or connector)."""

from __future__ import annotations

from typing import Any

from constructs import Construct

from twin_model.config.model import Layer
from cdk_app.stacks.azure.base import AzureLayerStack
from cdk_app.stacks.azure.outputs import AzureFeedbackOutputs, AzureIngestionOutputs, AzureProcessingOutputs
from twin_model.topology import Part
from constructs_lib.azure import roles
from constructs_lib.azure.device_enrollment import CONTAINER as ENROLLMENT_CONTAINER
from constructs_lib.azure.device_enrollment import DeviceEnrollment, DeviceEnrollmentProps
from constructs_lib.azure.iot_ingestion import IotIngestion, IotIngestionProps
from twin_contract import functions as contract
from twin_contract.azure_names import CONNECTOR_QUEUE, TELEMETRY_QUEUE, function_storage_account
from cdk_app.stacks.context import LayerContext
from cdk_app.stacks.terraform.terraform_settings import TerraformSettings

HUB_MANIFEST = "iot/hub.json"  # twin_ops/post_deploy/azure_device_identities.py reads it
ENROLLMENT_KEYS = {"primary": "device-enrollment-primary", "secondary": "device-enrollment-secondary"}


class AzureIngestionStack(AzureLayerStack):
    def __init__(self, scope: Construct, ctx: LayerContext, **kwargs: TerraformSettings) -> None:
        super().__init__(scope, ctx, **kwargs)
        connects = bool(self.bridges.outbound(contract.CONNECTOR))  # L2 on another cloud
        functions, queues = [contract.DISPATCHER], [TELEMETRY_QUEUE]
        settings: dict[str, str] = {}
        processing = None if connects else self.require(Layer.L2, AzureProcessingOutputs)
        if connects:
            functions.append(contract.CONNECTOR)
            queues.append(CONNECTOR_QUEUE)
            self.bridges.bind_sender(contract.CONNECTOR, settings)
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
        enrollment = DeviceEnrollment(
            self, "Enrollment",
            DeviceEnrollmentProps(host.storage_account.id, ingestion.hub.identity.principal_id, self.client.object_id),
        )
        vault = self.ensure_vault()
        for (which, name), key in zip(ENROLLMENT_KEYS.items(), enrollment.keys, strict=True):
            vault.secret(self, f"Enrollment-{which}", name=name, value=key,
                         content_type=f"IoT Hub {which} enrollment key: device keys are derived from it")
        self.write_deploy_file(HUB_MANIFEST, self.hub_manifest())
        self.outputs = self.layer_outputs(AzureIngestionOutputs)

    def hub_manifest(self) -> dict[str, Any]:
        """What the onboarding step needs of the hub: names only, never a device (they are data)."""
        return {
            "iot_hub_name": self.names.global_name("iothub", 50),
            "resource_group": self.names.resource_group(),
            "telemetry": {"content_type": "application/json", "content_encoding": "utf-8"},
            "job_container": f"https://{function_storage_account(self.names)}.blob.core.windows.net/{ENROLLMENT_CONTAINER}",
            "key_vault": self.names.key_vault(),
            "enrollment_keys": ENROLLMENT_KEYS,
        }
