"""The mixed example (L1 on AWS, L2 on Azure, feedback on): the Azure L2 sends event feedback over
the feedback bridge to the AWS L1 feedback receiver, a CloudFormation stack deployed before L2.

Names from docs/design.md §4 (connection id, registry) and the device contract (twin_contract:
topics `dt/<twin>/<device>/feedback`, things `<twin>-<device>`).
"""

from __future__ import annotations

import json

from aws_cdk.assertions import Template

from twin_model.topology import Part
from tests.aws import cfn_lint_errors, functions_by_name, policy_statements_of

TWIN = "factory-floor-mix"
CONNECTION = "azure_l2_to_aws_l1_feedback"
STACK = f"{TWIN}-l1-feedback"


def test_the_receiver_is_its_own_stack_deployed_before_l2(mixed_example):
    names = [stack.name for stack in mixed_example.topology.stacks]
    assert names.index(STACK) < names.index(f"{TWIN}-l2") < names.index(f"{TWIN}-l1")
    assert mixed_example.assembly.get_stack_by_name(STACK)  # CloudFormation: L1 is on AWS


def test_the_receiver_publishes_its_function_url_and_token_to_the_registry(mixed_example):
    template = mixed_example.template(STACK)
    receiver = functions_by_name(template)[f"{TWIN}-feedback-receiver"]
    assert receiver["Handler"] == "runtime.aws.feedback_receiver.handler"
    assertions = Template.from_json(template)
    (url_id,) = assertions.find_resources("AWS::Lambda::Url")
    assertions.has_resource_properties("AWS::Lambda::Url", {"AuthType": "NONE"})
    assertions.has_resource_properties(
        "AWS::SSM::Parameter",
        {"Name": f"/{TWIN}/inter-cloud/{CONNECTION}/url", "Value": {"Fn::GetAtt": [url_id, "FunctionUrl"]}},
    )
    (secret,) = [s for s in template["Resources"].values() if s["Type"] == "AWS::SecretsManager::Secret"]
    assert secret["Properties"]["Name"] == f"{TWIN}/inter-cloud/{CONNECTION}/token"
    assert "GenerateSecretString" in secret["Properties"] and "SecretString" not in secret["Properties"]


def test_the_receiver_may_publish_only_to_the_twins_feedback_topics_and_describe_its_things(mixed_example):
    template = mixed_example.template(STACK)
    receiver = functions_by_name(template)[f"{TWIN}-feedback-receiver"]
    statements = policy_statements_of(template, receiver["id"])
    iot = {s["Action"]: json.dumps(s["Resource"]) for s in statements if str(s["Action"]).startswith("iot:")}
    assert set(iot) == {"iot:Publish", "iot:DescribeThing"}
    assert iot["iot:Publish"].endswith(f':topic/dt/{TWIN}/*/feedback"]]}}') and "thing" not in iot["iot:Publish"]
    assert iot["iot:DescribeThing"].endswith(f':thing/{TWIN}-*"]]}}')


def test_the_receiver_stack_is_nag_and_lint_clean(mixed_example):
    assert Part.L1_FEEDBACK in mixed_example.aws_layers
    assert mixed_example.nag_findings(STACK) == []
    assert cfn_lint_errors(mixed_example.template(STACK)) == []


def test_azure_l2_sends_feedback_through_the_registry_and_its_own_vault(mixed_example):
    tf = mixed_example.terraform(f"{TWIN}-l2")
    (app,) = tf["resource"]["azurerm_function_app_flex_consumption"].values()
    settings = app["app_settings"]
    assert "IOT_HUB_HOST" not in settings and "feedback" in settings["DT_FUNCTIONS"].split(",")
    lookups = {p["name"]: key for key, p in tf["data"]["aws_ssm_parameter"].items()}
    assert settings["DEVICE_FEEDBACK_URL"] == f"${{data.aws_ssm_parameter.{lookups[f'/{TWIN}/inter-cloud/{CONNECTION}/url']}.value}}"
    assert settings["DEVICE_FEEDBACK_TOKEN_SECRET"] == "azure-l2-to-aws-l1-feedback-token"
    copies = {s["name"]: s["value"] for s in tf["resource"]["azurerm_key_vault_secret"].values()}
    assert copies["azure-l2-to-aws-l1-feedback-token"].startswith("${data.aws_secretsmanager_secret_version.")
