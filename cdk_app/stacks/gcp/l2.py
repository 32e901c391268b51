"""L2 processing on Google: processor wrapper, persister, event checker, actions, feedback, workflow.

Internal calls are HTTP with an ID token of the layer's account (`roles/run.invoker`); the
ingestion receiver (when L1 is on another cloud) is public and checks the connection's token.
"""

from __future__ import annotations

import json

from constructs import Construct

from twin_model.config.model import Layer
from twin_model.config.twin_info import TWIN_INFO_VARIABLE, twin_info_json
from cdk_app.stacks.gcp.base import GcpLayerStack
from cdk_app.stacks.gcp.outputs import DeviceFeedback, GcpHotOutputs, GcpProcessingOutputs
from cdk_app.stacks.gcp.device_feedback import device_feedback_settings, device_feedback_topic
from constructs_lib.gcp.layer_service_account import ProjectRole
from constructs_lib.gcp.feedback_topic import FeedbackTopic
from constructs_lib.gcp.notification_workflow import NotificationWorkflow, NotificationWorkflowProps
from constructs_lib.gcp.twin_function import TwinFunction
from twin_contract import functions as contract
from twin_contract.registry import URL_KEY
from cdk_app.stacks.context import LayerContext
from cdk_app.stacks.terraform.terraform_settings import TerraformSettings


class GcpL2Stack(GcpLayerStack):
    """Holds `processor`, `persister`, and when enabled `event_checker`, `feedback_topic`, `workflow`."""

    APIS = ("pubsub.googleapis.com",)

    def project_roles(self) -> tuple[ProjectRole, ...]:
        roles = []
        if self.ctx.topology.cloud(Layer.L3_HOT) is self.ctx.topology.cloud(Layer.L2):
            # Firestore has no resource-level IAM: the project role, limited to the twin's database.
            roles.append(
                ProjectRole(
                    "roles/datastore.user",
                    "hot-database-only",
                    f'resource.name.endsWith("/databases/{self.name("hot")}")',
                )
            )
        if self._workflow_enabled:
            # Workflows has no resource-level IAM in Terraform: the project role, limited to this workflow.
            suffix = f"/locations/{self.region}/workflows/{self.name('event-workflow')}"
            roles.append(ProjectRole("roles/workflows.invoker", "notification-workflow-only", f'resource.name.endsWith("{suffix}")'))
        return tuple(roles)

    @property
    def _workflow_enabled(self) -> bool:
        config = self.ctx.config
        return bool(config.flags.use_event_checking and config.flags.trigger_notification_workflow and config.workflow_definition)

    def __init__(self, scope: Construct, ctx: LayerContext, **kwargs: TerraformSettings) -> None:
        super().__init__(scope, ctx, **kwargs)
        config = ctx.config
        self.feedback_topic: FeedbackTopic | None = None
        self.workflow: NotificationWorkflow | None = None
        self.event_checker = self._build_event_checking() if config.flags.use_event_checking else None

        if not self.bridges.reaches(Layer.L3_HOT):  # else the persister's bridge reaches it
            hot = self.require(Layer.L3_HOT, GcpHotOutputs)
            self.require_apis("firestore.googleapis.com")
            persister_env = {
                contract.HOT_DATABASE: hot.store.database_name,
                contract.HOT_COLLECTION: hot.store.collection,
                contract.HOT_RETENTION_DAYS: str(config.twin.hot_storage_size_in_days),
            }
        else:
            persister_env = {}
        self.bridges.bind_sender(contract.PERSISTER, persister_env)
        if self.event_checker is not None:
            persister_env[contract.EVENT_CHECKER_URL] = self.event_checker.url
        self.persister = self.function(
            "Persister", "persister", environment=persister_env, description="Stores processed telemetry in the hot tier"
        )
        self.processor = self.function(
            "Processor",
            "processor",
            processing=True,
            environment={contract.PERSISTER_URL: self.persister.url},
            description="Runs each device's processor from the project bundle",
        )
        ingestion_bridge = self.bridges.inbound(contract.INGESTION)  # L1 on another cloud
        if ingestion_bridge is not None:
            self.ingestion = self.function(
                "Ingestion",
                "ingestion",
                public=True,
                environment={
                    contract.INBOUND_TOKEN_SECRET: self.bridges.inbound_token(contract.INGESTION),
                    contract.PROCESSOR_URL: self.processor.url,
                },
                description=f"Receives telemetry from {ingestion_bridge.sender_cloud.value} ({ingestion_bridge.connection_id})",
            )
            self.bridges.bind_receiver(contract.INGESTION, {URL_KEY: self.ingestion.url})
        self.outputs = GcpProcessingOutputs(
            processor=self.processor,
            feedback=DeviceFeedback(self.feedback_topic.subscription.name, self.account.member)
            if self.feedback_topic is not None else None,
            endpoints=dict(self.bridges.published),
        )

    def _build_event_checking(self) -> TwinFunction:
        """The event checker, with the actions, workflow and feedback function it starts."""
        config = self.ctx.config
        needs_info = {action.name for action in config.actions if action.needs_twin_info}
        actions = {
            name: self.function(
                f"Action-{name}",
                f"event-action-{name}",
                source=folder,
                entry_point="main",
                # The predecessor's DIGITAL_TWIN_INFO, for code that reads it.
                environment={TWIN_INFO_VARIABLE: twin_info_json(config)} if name in needs_info else None,
                description=f"Event action {name} (project code)",
            )
            for name, folder in self.bundles.actions
        }
        environment = {contract.ACTION_URLS: json.dumps({name: fn.url for name, fn in actions.items()}, sort_keys=True)}
        if self._workflow_enabled:
            self.require_apis("workflows.googleapis.com", "workflowexecutions.googleapis.com")
            self.workflow = workflow = NotificationWorkflow(
                self,
                "Workflow",
                NotificationWorkflowProps(
                    name=self.name("event-workflow"),
                    region=self.region,
                    definition=config.workflow_definition or "",  # _workflow_enabled: never empty here
                    service_account_email=self.account.email,
                    debug=self.debug,
                ),
            )
            environment[contract.WORKFLOW_NAME] = workflow.id
        if config.flags.return_feedback_to_device:
            if not self.bridges.outbound(contract.FEEDBACK):  # L1 on Google too: the feedback topic lives here
                self.feedback_topic = topic = device_feedback_topic(self)
                feedback_env = device_feedback_settings(self, topic)
            else:  # L1 elsewhere: its feedback receiver, deployed before this stack
                feedback_env = {}
                self.bridges.bind_sender(contract.FEEDBACK, feedback_env)
            self.feedback = self.function(
                "FeedbackFunction",
                "event-feedback",
                entry_point="feedback",
                environment=feedback_env,
                description="Delivers event feedback to the device through L1",
            )
            environment[contract.FEEDBACK_URL] = self.feedback.url
        return self.function(
            "EventChecker",
            "event-checker",
            processing=True,
            environment=environment,
            description="Evaluates the project's event rules and starts their actions",
        )
