"""L2 processing on Azure: processor, persister, event checker/actions/feedback, workflow, ingestion.

Functions hand records on through Storage queues of the L2 app: `processor` → `persister` →
`event-checker` → `event-actions` / `feedback`. L4 and L3 are deployed before L2, so this stack
grants its own identity access to them; L1 on Azure (deployed after) grants this identity what
device feedback needs on its hub. With L1 on another cloud, `feedback` sends over the L2 → L1
feedback bridge (its receiver, split off L1, is deployed before L2).
"""

from __future__ import annotations

import json

from constructs import Construct

from twin_model.config.model import Layer
from cdk_app.stacks.azure.base import AzureLayerStack
from cdk_app.stacks.azure.outputs import AzureHotOutputs, AzureProcessingOutputs, AzureTwinOutputs
from constructs_lib.azure.event_workflow import EventWorkflow, EventWorkflowProps
from constructs_lib.azure.naming import AzureNames
from constructs_lib.tokens import generated_token
from twin_contract import functions as contract
from twin_contract.azure_names import (
    EVENT_ACTIONS_QUEUE,
    EVENT_CHECKER_QUEUE,
    FEEDBACK_QUEUE,
    PERSISTER_QUEUE,
    PROCESSOR_QUEUE,
)
from twin_contract.registry import URL_KEY
from cdk_app.stacks.context import LayerContext
from cdk_app.stacks.terraform.terraform_settings import TerraformSettings

WORKFLOW_URL_SECRET = "event-workflow-url"
ACTION_TOKEN_SECRET = "event-action-token"


def iot_hub_host(twin: str) -> str:
    """The L1 hub's host name: its name is derived from the twin alone, so L2 (deployed first)
    knows it at synth time without any value crossing from the L1 stack."""
    return f"{AzureNames(twin, Layer.L1.value, Layer.L1.code).global_name('iothub', 50)}.azure-devices.net"


class AzureProcessingStack(AzureLayerStack):
    def __init__(self, scope: Construct, ctx: LayerContext, **kwargs: TerraformSettings) -> None:
        super().__init__(scope, ctx, **kwargs)
        flags = self.config.flags
        vault = self.ensure_vault()
        functions = [contract.PROCESSOR, contract.PERSISTER]
        queues = [PROCESSOR_QUEUE, PERSISTER_QUEUE]
        settings: dict[str, str] = {}

        if not self.bridges.reaches(Layer.L3_HOT):  # else the persister's bridge reaches it
            hot = self.require(Layer.L3_HOT, AzureHotOutputs).hot_store
            hot.grant(self, "PersisterWritesHot", self.identity.principal_id, write=True)
            settings.update(
                {
                    contract.COSMOS_ENDPOINT: hot.endpoint,
                    contract.COSMOS_DATABASE: hot.database_name,
                    contract.COSMOS_CONTAINER: hot.container_name,
                    contract.HOT_RETENTION_DAYS: str(self.config.twin.hot_storage_size_in_days),
                }
            )
        self.bridges.bind_sender(contract.PERSISTER, settings)
        twin = self.upstream(Layer.L4, AzureTwinOutputs)
        if twin is not None:  # L4 on Azure (deployed before L2): the persister updates the twins directly
            twin.twins.grant(self, "PersisterUpdatesTwins", self.identity.principal_id, write=True)
            settings[contract.ADT_URL] = twin.twins.url
        feedback = flags.use_event_checking and flags.return_feedback_to_device
        if flags.use_event_checking:
            functions += [contract.EVENT_CHECKER, contract.EVENT_ACTION]
            queues += [EVENT_CHECKER_QUEUE, EVENT_ACTIONS_QUEUE]
        if feedback:
            functions.append(contract.FEEDBACK)
            queues.append(FEEDBACK_QUEUE)
            if not self.bridges.outbound(contract.FEEDBACK):  # L1 on Azure: the hub of this twin
                settings[contract.IOT_HUB_HOST] = iot_hub_host(self.ctx.twin)
            else:
                self.bridges.bind_sender(contract.FEEDBACK, settings)
        ingestion = self.bridges.inbound(contract.INGESTION) is not None  # L1 on another cloud
        if ingestion:
            functions.append(contract.INGESTION)
            settings[contract.INBOUND_TOKEN_SECRET] = self.bridges.inbound_token(contract.INGESTION)
        if flags.trigger_notification_workflow and self.config.workflow_definition is not None:
            definition = json.loads(self.config.workflow_definition)["definition"]
            workflow = EventWorkflow(
                self,
                "Workflow",
                EventWorkflowProps(self.placement, json.dumps(definition, sort_keys=True), self.identity.id),
            )
            settings[contract.ACTION_TOKEN_SECRET] = vault.secret(
                self, "ActionTokenSecret", name=ACTION_TOKEN_SECRET, value=generated_token(self, "ActionToken"),
                content_type="token the event workflow sends to the event-action endpoint",
            )
            settings[contract.WORKFLOW_URL_SECRET] = vault.secret(
                self, "WorkflowUrl", name=WORKFLOW_URL_SECRET, value=workflow.callback_url,
                content_type="callback URL (with SAS signature) of the event workflow trigger",
            )
        # The host adds <QUEUE>_QUEUE_URL settings for its queues (PROCESSOR_QUEUE_URL, ...).
        host = self.add_function_host(tuple(functions), settings, queues=tuple(queues), processing=True)
        if ingestion:
            self.bridges.bind_receiver(contract.INGESTION, {URL_KEY: host.function_url(contract.INGESTION.route)})
        self.outputs = self.layer_outputs(
            AzureProcessingOutputs,
            processor_queue_id=host.queue_ids[PROCESSOR_QUEUE],
            processor_queue_url=host.queue_urls[PROCESSOR_QUEUE],
            sends_device_feedback=feedback,
        )
