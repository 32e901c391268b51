"""The AWS L1 ingestion stack: the device fleet (policy, provisioning, CA secret), the telemetry rule,
dispatcher and connector."""

from __future__ import annotations

import json

import pytest
from aws_cdk.assertions import Match, Template

from twin_model.config.model import Layer
from tests import found
from tests.aws import (
    L2_ON_AZURE,
    TWIN,
    cfn_lint_errors,
    functions_by_name,
    policy_statements_of,
    resolve,
    resources_of_type,
)
from tests.conftest import WITHOUT_EVENTS
from tests.snapshot_utils import asset_hash_matcher

L1, L2 = f"{TWIN}-l1", f"{TWIN}-l2"
CONNECTOR = f"{TWIN}-connector"
CONNECTION_ID = "aws_l1_to_azure_l2"
KEY_MARKERS = ("PRIVATE KEY", "BEGIN RSA", "-----BEGIN")


@pytest.fixture(scope="module")
def l2_on_azure(synth_project):
    return synth_project(L2_ON_AZURE, **WITHOUT_EVENTS)


# --- snapshot ----------------------------------------------------------------------------------


def test_l1_snapshot(example, snapshot):
    assert example.template(L1) == snapshot(matcher=asset_hash_matcher)


# --- the device fleet: the same resources for any number of devices ---------------------------------


def test_the_fleet_is_one_policy_one_group_one_provisioning_template_and_the_ca_secret(example):
    template = example.template(L1)
    types = [resource["Type"] for resource in template["Resources"].values()]
    for kind in ("AWS::IoT::Policy", "AWS::IoT::ThingGroup", "AWS::IoT::ProvisioningTemplate", "AWS::SecretsManager::Secret"):
        assert types.count(kind) == 1, kind
    # No device is a resource: no thing, certificate, attachment, custom resource or nested stack.
    for kind in ("AWS::IoT::Thing", "AWS::IoT::Certificate", "AWS::IoT::ThingPrincipalAttachment",
                 "AWS::IoT::PolicyPrincipalAttachment", "AWS::CloudFormation::Stack"):
        assert kind not in types, kind
    assert not [t for t in types if t.startswith("Custom::")]
    assert not any(device.id in json.dumps(template) for device in example.config.devices)
    (group,) = resources_of_type(template, "AWS::IoT::ThingGroup").values()
    assert group["Properties"]["ThingGroupName"] == f"{TWIN}-devices"


def test_devices_are_provisioned_just_in_time_into_the_group_with_the_fleet_policy(example):
    template = Template.from_json(example.template(L1))
    (provisioning,) = template.find_resources("AWS::IoT::ProvisioningTemplate").values()
    properties = provisioning["Properties"]
    assert (properties["TemplateName"], properties["TemplateType"], properties["Enabled"]) == (f"{TWIN}-jitp", "JITP", True)
    body = json.loads(properties["TemplateBody"])
    assert set(body["Parameters"]) == {"AWS::IoT::Certificate::CommonName", "AWS::IoT::Certificate::Id"}
    resources = body["Resources"]
    common_name = {"Ref": "AWS::IoT::Certificate::CommonName"}
    assert resources["thing"]["Properties"] == {
        "ThingName": {"Fn::Join": ["", [f"{TWIN}-", common_name]]},
        "AttributePayload": {"device_id": common_name},
        "ThingGroups": [f"{TWIN}-devices"],
    }
    assert resources["certificate"]["Properties"] == {"CertificateId": {"Ref": "AWS::IoT::Certificate::Id"}, "Status": "ACTIVE"}
    assert resources["policy"]["Properties"] == {"PolicyName": f"{TWIN}-devices"}
    role = properties["ProvisioningRoleArn"]["Fn::GetAtt"][0]
    template.has_resource_properties("AWS::IAM::Role", {
        "RoleName": f"{TWIN}-device-provisioning",
        "AssumeRolePolicyDocument": {"Statement": [Match.object_like({"Principal": {"Service": "iot.amazonaws.com"}})]},
    })
    granted = [
        statement
        for policy in resources_of_type(example.template(L1), "AWS::IAM::Policy").values()
        if {"Ref": role} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    resources_named = json.dumps(resolve([s["Resource"] for s in granted]))
    assert f"thing/{TWIN}-*" in resources_named and f"policy/{TWIN}-devices" in resources_named
    assert f"thinggroup/{TWIN}-devices" in resources_named and '"*"' not in resources_named


def test_the_ca_secret_is_made_without_a_value_of_ours(example):
    (secret,) = resources_of_type(example.template(L1), "AWS::SecretsManager::Secret").values()
    assert secret["Properties"]["Name"] == f"{TWIN}/devices/ca"
    assert "SecretString" not in secret["Properties"]  # a generated throwaway value the onboarding step replaces


@pytest.mark.parametrize("variant", ["example", "l2_on_azure"])
def test_no_private_key_in_any_template_or_output(request, variant):
    synthesized = request.getfixturevalue(variant)
    for stack in found(synthesized.assembly.stacks, "stacks"):
        text = json.dumps(stack.template)
        assert not any(marker in text for marker in KEY_MARKERS), stack.stack_name
    assert "Outputs" not in synthesized.template(L1)


# --- telemetry rule and dispatcher --------------------------------------------------------------------


def test_topic_rule_sends_every_devices_telemetry_to_the_dispatcher(example):
    template = Template.from_json(example.template(L1))
    dispatcher_id = functions_by_name(example.template(L1))[f"{TWIN}-dispatcher"]["id"]
    (rule_id,) = template.find_resources("AWS::IoT::TopicRule")
    rejected = {"QueueName": f"{TWIN}-telemetry-rejected"}
    (queue_id,) = template.find_resources("AWS::SQS::Queue", {"Properties": rejected})
    template.has_resource_properties(
        "AWS::IoT::TopicRule",
        {
            "RuleName": "factory_floor_telemetry",
            "TopicRulePayload": {
                # The rule stamps every message once with an id and a receipt time (record identity).
                "Sql": (
                    "SELECT *, topic(3) AS topic_device_id, newuuid() AS ingress_id, timestamp() AS ingress_time"
                    f" FROM 'dt/{TWIN}/+/telemetry'"
                ),
                "AwsIotSqlVersion": "2016-03-23",
                "Actions": [{"Lambda": {"FunctionArn": {"Fn::GetAtt": [dispatcher_id, "Arn"]}}}],
                "ErrorAction": {"Sqs": {"QueueUrl": {"Ref": queue_id}, "RoleArn": Match.any_value()}},
            },
        },
    )
    template.has_resource_properties("AWS::SQS::Queue", {**rejected, "SqsManagedSseEnabled": True})
    template.has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {
            "Queues": [{"Ref": queue_id}],
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})]
                )
            },
        },
    )
    template.has_resource_properties(
        "AWS::Lambda::Permission",
        {
            "FunctionName": {"Fn::GetAtt": [dispatcher_id, "Arn"]},
            "Principal": "iot.amazonaws.com",
            "SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]},
        },
    )


def test_dispatcher_invokes_only_the_l2_processor_when_l2_on_aws(example):
    template = example.template(L1)
    dispatcher = functions_by_name(template)[f"{TWIN}-dispatcher"]
    target = dispatcher["Environment"]["Variables"]["TARGET_FUNCTION_NAME"]
    assert target["Fn::ImportValue"].startswith(f"{L2}:") and "Processor" in target["Fn::ImportValue"]
    invoke = [s for s in policy_statements_of(template, dispatcher["id"]) if s["Action"] == "lambda:InvokeFunction"]
    assert len(invoke) == 1
    assert all("Processor" in json.dumps(resource) for resource in invoke[0]["Resource"])
    assert CONNECTOR not in functions_by_name(template)


@pytest.mark.parametrize("variant", ["example", "l2_on_azure"])
def test_l1_functions_have_failure_destinations(request, variant):
    template = Template.from_json(request.getfixturevalue(variant).template(L1))
    functions = functions_by_name(template.to_json())
    twin_functions = list(functions.values())
    configs = template.find_resources("AWS::Lambda::EventInvokeConfig")
    assert len(configs) == len(twin_functions)
    for config in configs.values():
        destination = config["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]
        assert destination["Fn::GetAtt"][1] == "Arn" and "FailedEvents" in destination["Fn::GetAtt"][0]


# --- the L1→L2 bridge --------------------------------------------------------------------------------


def test_l1_adapter_deploys_connector_when_l2_different(l2_on_azure):
    template = l2_on_azure.template(L1)
    functions = functions_by_name(template)
    connector = functions[CONNECTOR]
    assert connector["Handler"] == "runtime.aws.connector.handler"
    variables = connector["Environment"]["Variables"]
    parameter = template["Parameters"][variables["REMOTE_URL"]["Ref"]]
    assert parameter == {
        "Type": "AWS::SSM::Parameter::Value<String>",
        "Default": f"/{TWIN}/inter-cloud/{CONNECTION_ID}/url",
    }
    assert variables["REMOTE_TOKEN_SECRET"] == f"{TWIN}/inter-cloud/{CONNECTION_ID}/token"
    dispatcher = functions[f"{TWIN}-dispatcher"]
    assert dispatcher["Environment"]["Variables"]["TARGET_FUNCTION_NAME"] == {"Ref": connector["id"]}
    invoke = [s for s in policy_statements_of(template, dispatcher["id"]) if s["Action"] == "lambda:InvokeFunction"]
    assert invoke and all(connector["id"] in json.dumps(s["Resource"]) for s in invoke)


def test_connector_created_in_l1_not_l2(l2_on_azure):
    with_connector = [
        stack.stack_name
        for stack in l2_on_azure.assembly.stacks
        if CONNECTOR in functions_by_name(stack.template)
    ]
    assert with_connector == [L1]
    assert Layer.L2 not in l2_on_azure.aws_layers
    assert CONNECTOR not in json.dumps(l2_on_azure.terraform(L2))


def test_destroy_l1_removes_connector_when_multicloud(l2_on_azure, example):
    assert CONNECTOR in functions_by_name(l2_on_azure.template(L1))
    single_cloud = example.template(L1)
    assert CONNECTOR not in functions_by_name(single_cloud)
    assert CONNECTION_ID not in json.dumps(single_cloud)
    assert not any("/inter-cloud/" in str(p.get("Default")) for p in single_cloud.get("Parameters", {}).values())


def test_no_token_in_l1_templates_or_environment(l2_on_azure):
    template = l2_on_azure.template(L1)
    secret_names = []
    for function in found(functions_by_name(template).values(), "functions"):
        for name, value in function.get("Environment", {}).get("Variables", {}).items():
            assert "TOKEN" not in name or name.endswith("_TOKEN_SECRET"), name
            if name.endswith("_TOKEN_SECRET"):
                secret_names.append(value)
    assert found(secret_names, "token secret settings (the connector's)") == [f"{TWIN}/inter-cloud/{CONNECTION_ID}/token"]
    secrets = [r["Properties"]["Name"] for r in resources_of_type(template, "AWS::SecretsManager::Secret").values()]
    assert secrets == [f"{TWIN}/devices/ca"]  # the device CA only: the receiver owns the token


# --- cdk-nag and cfn-lint ------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", ["example", "l2_on_azure"])
def test_l1_has_no_unacknowledged_nag_findings(request, variant):
    assert request.getfixturevalue(variant).nag_findings(L1) == []


@pytest.mark.parametrize("variant", ["example", "l2_on_azure"])
def test_l1_templates_pass_cfn_lint(request, variant):
    synthesized = request.getfixturevalue(variant)
    assert cfn_lint_errors(synthesized.template(L1)) == []
