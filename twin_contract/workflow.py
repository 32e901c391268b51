"""The notification workflow's input and the event actions' payload, the same on every cloud.

The event checker starts the workflow (Step Functions, Logic App, Cloud Workflows) with
`InputData` (what an action receives) and the two actions' addresses under the predecessor's
names: `FunctionA_URL`/`FunctionB_URL` where actions are HTTPS endpoints (Azure, Google Cloud),
`LambdaAArn`/`LambdaBArn` on AWS (Step Functions invokes Lambda by ARN). A workflow calling an
action URL authenticates as that cloud's actions require: on Azure the header
`X-Inter-Cloud-Token` with the value of `ActionToken`, on Google an OIDC token (`auth: {type:
OIDC}`); on AWS IAM does it.

An action receives `{"rule", "record", "e"}`: the rule that fired, the record it fired on, and
the rule again under `e`, the key the predecessor's actions read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from twin_contract.wire import TOKEN_HEADER

INPUT_DATA = "InputData"
FUNCTION_A_URL = "FunctionA_URL"
FUNCTION_B_URL = "FunctionB_URL"
ACTION_TOKEN = "ActionToken"  # Azure: the value of the token header the action endpoints check
LAMBDA_A_ARN = "LambdaAArn"
LAMBDA_B_ARN = "LambdaBArn"
ACTION_TOKEN_HEADER = TOKEN_HEADER

# What the event checker sends, per cloud (keys of the workflow's input).
INPUT_KEYS = {
    "aws": (INPUT_DATA, LAMBDA_A_ARN, LAMBDA_B_ARN),
    "azure": (INPUT_DATA, FUNCTION_A_URL, FUNCTION_B_URL, ACTION_TOKEN),
    "google": (INPUT_DATA, FUNCTION_A_URL, FUNCTION_B_URL),
}
ACTION_URL_KEYS = (FUNCTION_A_URL, FUNCTION_B_URL)
PREDECESSOR_RULE_KEY = "e"


def action_payload(rule: Mapping[str, Any], record: Mapping[str, Any]) -> dict[str, Any]:
    """What an event action receives (directly, or as the workflow's InputData)."""
    return {"rule": rule, "record": record, PREDECESSOR_RULE_KEY: rule}


def http_workflow_input(data: Mapping[str, Any], url_a: str, url_b: str) -> dict[str, Any]:
    """The input of a workflow whose actions are HTTPS endpoints (Azure adds ACTION_TOKEN)."""
    return {INPUT_DATA: dict(data), FUNCTION_A_URL: url_a, FUNCTION_B_URL: url_b}
