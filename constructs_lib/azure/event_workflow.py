"""L2 on Azure: the notification workflow (Logic App) of `triggerNotificationWorkflow`.

Why native azurerm resources: the user's `state_machines/azure_logic_app.json` holds a Logic Apps
definition (`definition.triggers`, `definition.actions`); its HTTP `manual` trigger becomes an
`azurerm_logic_app_trigger_custom` and each action an `azurerm_logic_app_action_custom`, so no ARM
template deployment is needed (the predecessor used one). The trigger is a custom one because only
that form can mark its inputs and outputs as secure data: the event checker's request carries the
event-action token, which must not show in the run history. The trigger's callback URL carries a
SAS signature: it goes to the layer's Key Vault, never into an app setting. Every user string
(names and bodies) passes through `terraform_text.literal`: Terraform must not interpolate it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from constructs import Construct

from constructs_lib.azure.placement import AzurePlacement
from constructs_lib.terraform_text import literal


@dataclass(frozen=True)
class EventWorkflowProps:
    placement: AzurePlacement
    definition_json: str  # the `definition` object of azure_logic_app.json, as JSON text
    identity_id: str  # the L2 identity: the workflow calls the L2 functions as this identity


class EventWorkflow(Construct):
    """Exposes `workflow` and `callback_url` (a Terraform reference; store it as a secret)."""

    def __init__(self, scope: Construct, id: str, props: EventWorkflowProps) -> None:
        super().__init__(scope, id)
        from cdktn_provider_azurerm.logic_app_action_custom import LogicAppActionCustom
        from cdktn_provider_azurerm.logic_app_trigger_custom import LogicAppTriggerCustom
        from cdktn_provider_azurerm.logic_app_workflow import LogicAppWorkflow

        definition: dict[str, Any] = json.loads(props.definition_json)
        self.workflow = LogicAppWorkflow(
            self,
            "Workflow",
            name=props.placement.names.plain("event-workflow", 43),
            **props.placement.resource_args(),
            identity={"type": "UserAssigned", "identity_ids": [props.identity_id]},
        )
        triggers: dict[str, Any] = definition.get("triggers") or {}
        first: tuple[str, dict[str, Any]] = next(iter(triggers.items()), ("manual", {}))
        name, trigger = first
        schema = (trigger.get("inputs") or {}).get("schema") or {"type": "object"}
        request_trigger = {
            "type": "Request",
            "kind": "Http",
            "inputs": {"method": "POST", "schema": schema},
            "runtimeConfiguration": {"secureData": {"properties": ["inputs", "outputs"]}},
        }
        self.trigger = LogicAppTriggerCustom(
            self, "Trigger", name=literal(name), logic_app_id=self.workflow.id,
            body=literal(json.dumps(request_trigger, sort_keys=True)),
        )
        for action_name, action in (definition.get("actions") or {}).items():
            LogicAppActionCustom(
                self, f"Action-{action_name}", name=literal(action_name), logic_app_id=self.workflow.id,
                body=literal(json.dumps(action, sort_keys=True)),
            )
        self.callback_url = self.trigger.callback_url
