"""The AWS L1 ingestion stack: device identities, the telemetry rule, dispatcher and connector."""

from __future__ import annotations

import json

import pytest
from aws_cdk.assertions import Match, Template

from twin_model.config.model import Layer
from constructs_lib.aws.l1_device_fleet import MAX_DEVICES_PER_SHARD, assign_shards
from tests import found
from tests.aws import (
    nested_templates,
    L2_ON_AZURE,
    LARGE_FLEET_REMOTE_HOT,
    TWIN,
    cfn_lint_errors,
    functions_by_name,
    large_fleet_devices,
    policy_statements_of,
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


@pytest.fixture(scope="module")
def large_fleet(synth_project):
    return synth_project(LARGE_FLEET_REMOTE_HOT, config_iot_devices=large_fleet_devices())


def shard_templates(synthesized) -> list[dict]:
    return nested_templates(synthesized, L1)


def all_l1_templates(synthesized) -> list[dict]:
    return [synthesized.template(L1), *shard_templates(synthesized)]


# --- snapshot ----------------------------------------------------------------------------------


def test_l1_snapshot(example, snapshot):
    assert {"stack": example.template(L1), "shards": shard_templates(example)} == snapshot(matcher=asset_hash_matcher)


# --- device identities ---------------------------------------------------------------------------


def test_device_policy_allows_only_the_devices_own_client_and_topics(example):
    policies = [
        resource["Properties"]
        for template in shard_templates(example)
        for resource in resources_of_type(template, "AWS::IoT::Policy").values()
    ]
    assert sorted(p["PolicyName"] for p in policies) == sorted(f"{TWIN}-{d.id}" for d in example.config.devices)
    for policy in policies:
        device = policy["PolicyName"].removeprefix(f"{TWIN}-")
        granted = {
            statement["Action"]: statement["Resource"]["Fn::Join"][1][-1]
            for statement in policy["PolicyDocument"]["Statement"]
        }
        assert granted == {
            "iot:Connect": f":client/{TWIN}-{device}",
            "iot:Publish": f":topic/dt/{TWIN}/{device}/telemetry",
            "iot:Subscribe": f":topicfilter/dt/{TWIN}/{device}/feedback",
            "iot:Receive": f":topic/dt/{TWIN}/{device}/feedback",
        }
        assert all(s["Effect"] == "Allow" for s in policy["PolicyDocument"]["Statement"])


def test_each_device_has_a_thing_and_a_certificate_attached_to_thing_and_policy(example):
    # Every shard's resources in one template: each device sits in the shard its id hashes to.
    merged = {"Resources": {k: v for shard in shard_templates(example) for k, v in shard["Resources"].items()}}
    template = Template.from_json(merged)
    for device in example.config.devices:
        template.has_resource_properties("AWS::IoT::Thing", {"ThingName": f"{TWIN}-{device.id}"})
        template.has_resource_properties(
            "Custom::DeviceCertificate",
            {"DeviceId": device.id, "SecretName": f"{TWIN}/devices/{device.id}/credentials"},
        )
    certificate_arn = {"Fn::GetAtt": [Match.any_value(), "CertificateArn"]}
    template.resource_count_is("AWS::IoT::ThingPrincipalAttachment", len(example.config.devices))
    template.all_resources_properties("AWS::IoT::ThingPrincipalAttachment", {"Principal": certificate_arn})
    template.all_resources_properties("AWS::IoT::PolicyPrincipalAttachment", {"Principal": certificate_arn})


@pytest.mark.parametrize("variant", ["example", "l2_on_azure", "large_fleet"])
def test_no_private_key_in_any_template_or_output(request, variant):
    synthesized = request.getfixturevalue(variant)
    for stack in found(synthesized.assembly.stacks, "stacks"):
        text = json.dumps(stack.template)
        assert not any(marker in text for marker in KEY_MARKERS), stack.stack_name
    for template in shard_templates(synthesized):
        assert not any(marker in json.dumps(template) for marker in KEY_MARKERS)
        # A certificate resource yields only its ARN, and no template outputs anything of it.
        certificates = resources_of_type(template, "Custom::DeviceCertificate")
        read = {tuple(getatt) for getatt in _getatts(template["Resources"]) if getatt[0] in certificates}
        assert {attribute for _, attribute in read} == {"CertificateArn"}
        assert "Outputs" not in template
    assert "Outputs" not in synthesized.template(L1)


def _getatts(node):
    if isinstance(node, dict):
        if "Fn::GetAtt" in node:
            yield node["Fn::GetAtt"]
        for value in node.values():
            yield from _getatts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _getatts(value)


def test_certificates_come_from_one_shared_provider(large_fleet):
    parent = large_fleet.template(L1)
    assert [name for name in functions_by_name(parent) if "certificate" in name] == [f"{TWIN}-device-certificates"]
    shards = shard_templates(large_fleet)
    for template in shards:
        assert resources_of_type(template, "AWS::Lambda::Function") == {}
        (parameter,) = template["Parameters"]
        for certificate in found(resources_of_type(template, "Custom::DeviceCertificate").values(), "certificates"):
            assert certificate["Properties"]["ServiceToken"] == {"Ref": parameter}


def test_devices_are_sharded_below_the_resource_limit(large_fleet):
    shards = shard_templates(large_fleet)
    assert len(shards) > 1
    things = [
        thing["Properties"]["ThingName"]
        for template in shards
        for thing in resources_of_type(template, "AWS::IoT::Thing").values()
    ]
    assert sorted(things) == sorted(f"{TWIN}-{d.id}" for d in large_fleet.config.devices)
    assert all(len(template["Resources"]) < 500 for template in shards)
    assert len(large_fleet.template(L1)["Resources"]) < 500


@pytest.mark.parametrize("fleet", [3, 120, 127, 128, 1000, 4999])
def test_shard_assignment_is_stable_when_a_device_is_added(fleet):
    devices = tuple(f"device-{n}" for n in range(fleet))
    before = assign_shards(devices)
    after = assign_shards((*devices, "device-new"))
    moved = [d for slot, ids in before.items() for d in ids if d not in after.get(slot, ())]
    assert moved == []  # no existing device changes shard, at any fleet size


def test_five_thousand_devices_fit_the_shards():
    shards = assign_shards(tuple(f"d{n}" for n in range(5000)))
    assert max(len(ids) for ids in shards.values()) <= MAX_DEVICES_PER_SHARD


def test_an_overfull_fleet_is_refused_with_a_clear_error():
    with pytest.raises(ValueError, match="overfill device shard"):
        assign_shards(tuple(f"d{n}" for n in range(20_000)))


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
    twin_functions = [f for name, f in functions.items() if name != f"{TWIN}-device-certificates"]
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
    assert not resources_of_type(template, "AWS::SecretsManager::Secret")  # the receiver owns the token


# --- cdk-nag and cfn-lint ------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", ["example", "l2_on_azure", "large_fleet"])
def test_l1_has_no_unacknowledged_nag_findings(request, variant):
    assert request.getfixturevalue(variant).nag_findings(L1) == []


@pytest.mark.parametrize("variant", ["example", "l2_on_azure"])
def test_l1_templates_pass_cfn_lint(request, variant):
    synthesized = request.getfixturevalue(variant)
    templates = [synthesized.template(L1), shard_templates(synthesized)[0]]
    assert [error for template in templates for error in cfn_lint_errors(template)] == []


# --- the certificate custom resource's handler (moto) ------------------------------------------------------


@pytest.fixture
def certificate_handler(monkeypatch):
    import importlib

    from moto import mock_aws

    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(variable, "testing")
    with mock_aws():
        handler = importlib.import_module("constructs_lib.aws.l1_device_certificates_handler.index")
        yield importlib.reload(handler)  # boto3 clients made inside the mock


def test_certificate_handler_keeps_the_key_in_secrets_manager_only(certificate_handler):
    props = {"DeviceId": "press-01", "SecretName": f"{TWIN}/devices/press-01/credentials", "Tags": {"a": "b"}}
    created = certificate_handler.handler({"RequestType": "Create", "ResourceProperties": props}, None)
    assert not any(marker in json.dumps(created) for marker in KEY_MARKERS)
    certificate_id = created["Data"]["CertificateId"]
    assert created["PhysicalResourceId"] == created["Data"]["CertificateArn"]
    stored = json.loads(certificate_handler.secrets.get_secret_value(SecretId=props["SecretName"])["SecretString"])
    assert "PRIVATE KEY" in stored["private_key"] and stored["certificate_arn"] == created["PhysicalResourceId"]
    described = certificate_handler.iot.describe_certificate(certificateId=certificate_id)
    assert described["certificateDescription"]["status"] == "ACTIVE"

    physical_id = created["PhysicalResourceId"]
    unchanged = {"RequestType": "Update", "PhysicalResourceId": physical_id}
    unchanged |= {"ResourceProperties": props, "OldResourceProperties": props}
    assert certificate_handler.handler(unchanged, None)["PhysicalResourceId"] == physical_id

    deleted = {"RequestType": "Delete", "PhysicalResourceId": physical_id, "ResourceProperties": props}
    certificate_handler.handler(deleted, None)
    assert certificate_handler.iot.list_certificates()["certificates"] == []
    with pytest.raises(certificate_handler.secrets.exceptions.ResourceNotFoundException):
        certificate_handler.secrets.get_secret_value(SecretId=props["SecretName"])
    certificate_handler.handler(deleted, None)  # deleting again (e.g. after a failed create) is harmless
