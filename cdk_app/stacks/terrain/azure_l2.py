"""L2 processing on Azure: processor, persister, event checker/actions/feedback, workflow, ingestion.

Functions hand records on through Storage queues of the L2 app: `processor` → `persister` →
`event-checker` → `event-actions` / `feedback`. Later stacks (L1, L4) publish where they are into
this layer's Key Vault (`iot-hub-host`) and grant this layer's identity access, because it is
deployed after L2; L4 and L3 are deployed before L2, so this stack grants itself access to them.
"""

from __future__ import annotations

from cdk_app.config.model import Layer, Provider
from cdk_app.stacks.terrain.azure import AzureLayerStack
from cdk_app.topology import BridgeKind
from constructs_lib.azure.event_workflow import EventWorkflow, EventWorkflowProps
from constructs_lib.azure.inter_cloud_receiver import vault_secret_name
from twin_contract.azure_names import (
    EVENT_ACTIONS_QUEUE,
    EVENT_CHECKER_QUEUE,
    FEEDBACK_QUEUE,
    PERSISTER_QUEUE,
    PROCESSOR_QUEUE,
)
from twin_contract.registry import URL_KEY

IOT_HUB_HOST_SECRET = "iot-hub-host"
WORKFLOW_URL_SECRET = "event-workflow-url"
ACTION_TOKEN_SECRET = "event-action-token"


class AzureProcessingStack(AzureLayerStack):
    def __init__(self, scope, ctx, **kwargs) -> None:
        super().__init__(scope, ctx, **kwargs)
        flags = self.config.flags
        vault = self.ensure_vault()
        functions = ["processor", "persister"]
        queues = [PROCESSOR_QUEUE, PERSISTER_QUEUE]
        settings: dict[str, str] = {}

        hot_bridge = self.bridge(BridgeKind.L2_TO_HOT)
        if hot_bridge is not None:
            settings.update(self.add_sender(hot_bridge).settings())
        else:
            hot = self.built_azure(Layer.L3_HOT)
            hot.hot_store.grant(self, "PersisterWritesHot", self.identity.principal_id, write=True)
            settings.update(
                {
                    "COSMOS_ENDPOINT": hot.hot_store.endpoint,
                    "COSMOS_DATABASE": hot.hot_store.database_name,
                    "COSMOS_CONTAINER": hot.hot_store.container_name,
                    "HOT_RETENTION_DAYS": str(self.config.twin.hot_storage_size_in_days),
                }
            )
        twin = self.built_azure(Layer.L4)
        if twin is not None:  # L4 on Azure (deployed before L2): the persister updates the twins directly
            twin.twins.grant(self, "PersisterUpdatesTwins", self.identity.principal_id, write=True)
            settings["ADT_URL"] = twin.twins.url
        if flags.use_event_checking:
            functions += ["event_checker", "event_action"]
            queues += [EVENT_CHECKER_QUEUE, EVENT_ACTIONS_QUEUE]
        if flags.use_event_checking and flags.return_feedback_to_device:
            functions.append("feedback")
            queues.append(FEEDBACK_QUEUE)
            if self.topology.cloud(Layer.L1) is Provider.AZURE:
                settings["IOT_HUB_HOST_SECRET"] = IOT_HUB_HOST_SECRET  # written by the L1 stack
        ingestion = self.bridge(BridgeKind.L1_TO_L2)
        if ingestion is not None:
            functions.append("ingestion")
            settings["INBOUND_TOKEN_SECRET"] = vault_secret_name(ingestion.connection_id)
        self.workflow = None
        if flags.trigger_notification_workflow and self.config.state_machine_file is not None:
            import json

            definition = json.loads(self.config.state_machine_file.read_text(encoding="utf-8"))["definition"]
            self.workflow = EventWorkflow(
                self,
                "Workflow",
                EventWorkflowProps(self.names, self.location, self.resource_group.name,
                                   json.dumps(definition, sort_keys=True), self.identity.id, self.tags),
            )
            from cdktn_provider_random.password import Password

            action_token = Password(self, "ActionToken", length=48, special=False)
            settings["ACTION_TOKEN_SECRET"] = vault.secret(
                self, "ActionTokenSecret", name=ACTION_TOKEN_SECRET, value=action_token.result,
                content_type="token the event workflow sends to the event-action endpoint",
            )
            settings["WORKFLOW_URL_SECRET"] = vault.secret(
                self, "WorkflowUrl", name=WORKFLOW_URL_SECRET, value=self.workflow.callback_url,
                content_type="callback URL (with SAS signature) of the event workflow trigger",
            )
        # The host adds <QUEUE>_QUEUE_URL settings for its queues (PROCESSOR_QUEUE_URL, ...).
        host = self.add_function_host(tuple(functions), settings, queues=tuple(queues), processing=True)
        self.processor_queue_id = host.queue_ids[PROCESSOR_QUEUE]
        self.processor_queue_url = host.queue_urls[PROCESSOR_QUEUE]
        if ingestion is not None:
            self.add_receiver(ingestion, {URL_KEY: host.function_url("ingestion")})
