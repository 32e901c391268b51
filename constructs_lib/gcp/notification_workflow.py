"""The notification workflow of event rules on Google: Cloud Workflows, the user's definition.

`state_machines/google_cloud_workflow.json` (JSON is valid workflow YAML) receives
`{InputData, FunctionA_URL, FunctionB_URL}` from the event checker, the Google counterpart of the
AWS `{InputData, LambdaAArn, LambdaBArn}`; it calls the action functions with
`http.post` and `auth: {type: OIDC}`. It runs as its own account, which may invoke exactly the
action functions the rules name.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktn_provider_google.workflows_workflow import WorkflowsWorkflow
from constructs import Construct

from constructs_lib.terraform_text import literal


@dataclass(frozen=True)
class NotificationWorkflowProps:
    name: str
    region: str
    definition: str  # the file's text
    service_account_email: str
    debug: bool = False


class NotificationWorkflow(Construct):
    """Exposes `workflow` and `id` (`projects/<p>/locations/<r>/workflows/<name>`)."""

    def __init__(self, scope: Construct, id: str, props: NotificationWorkflowProps) -> None:
        super().__init__(scope, id)
        self.workflow = WorkflowsWorkflow(
            self,
            "Workflow",
            name=props.name,
            region=props.region,
            description="Event notification workflow of the digital twin",
            # Workflow expressions (`${input.x}`) look like Terraform interpolations: kept as text.
            source_contents=literal(props.definition),
            service_account=props.service_account_email,
            call_log_level="LOG_ERRORS_ONLY",
            deletion_protection=not props.debug,
        )
        self.id = self.workflow.id
