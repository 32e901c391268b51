"""The AWS L4 (IoT TwinMaker) and L5 (Amazon Managed Grafana) stacks."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from aws_cdk.assertions import Match, Template

from twin_model.config.model import Layer, Provider
from constructs_lib.aws.l4_component_types import TwinDevice, share_component_types
from constructs_lib.aws.l4_entities import MAX_ENTITIES_PER_SHARD, TwinEntity
from tests.aws import (
    nested_templates,
    cfn_lint_errors,
    functions_by_name,
    policy_statements_of,
    resources_of_type,
)
from tests.aws.test_l3_stacks import hot_elsewhere, l4_elsewhere  # noqa: F401 (shared fixtures)
from tests.conftest import ALL_AWS, WITHOUT_EVENTS
from tests.snapshot_utils import asset_hash_matcher

TWIN = "factory-floor"
HOT, L4, L5 = f"{TWIN}-l3-hot", f"{TWIN}-l4", f"{TWIN}-l5"
CONNECTORS = (f"{TWIN}-dt-data-connector", f"{TWIN}-dt-data-connector-last-entry")
HOT_ELSEWHERE_READER_CONNECTION = "azure_l3_to_aws_l4_hot_reader"
# No layer_4_provider: L4 defaults to the hot cloud (AWS); L2 on Google keeps L1/L2 out of AWS.
L4_DEFAULTED = {
    key: value
    for key, value in {**ALL_AWS, "layer_1_provider": "google", "layer_2_provider": "google"}.items()
    if key != "layer_4_provider"
}


@pytest.fixture(scope="module")
def l4_defaulted(synth_project):
    return synth_project(L4_DEFAULTED, **WITHOUT_EVENTS)


def entity_templates(synthesized) -> list[dict]:
    return nested_templates(synthesized, L4)


def component_types(template: dict) -> dict[str, dict]:
    """Component types by id → properties."""
    return {
        ct["Properties"]["ComponentTypeId"]: ct["Properties"]
        for ct in resources_of_type(template, "AWS::IoTTwinMaker::ComponentType").values()
    }


def entities(synthesized) -> dict[str, dict]:
    return {
        entity["Properties"]["EntityId"]: entity["Properties"]
        for template in entity_templates(synthesized)
        for entity in resources_of_type(template, "AWS::IoTTwinMaker::Entity").values()
    }


def reader_arns(template: dict) -> set[str]:
    """The Lambda ARNs every component type's two functions point at."""
    return {
        json.dumps(function["ImplementedBy"]["Lambda"]["Arn"], sort_keys=True)
        for ct in component_types(template).values()
        for function in ct["Functions"].values()
    }


def twinmaker_role_id(template: dict) -> str:
    """The workspace role (the other role of the stack is CDK's bucket auto-delete provider)."""
    (role_id,) = [k for k in resources_of_type(template, "AWS::IAM::Role") if k.startswith("TwinMakerRole")]
    return role_id


# --- snapshots ------------------------------------------------------------------------------------


def test_l4_snapshot(example, snapshot):
    assert {"stack": example.template(L4), "entity_shards": entity_templates(example)} == snapshot(
        matcher=asset_hash_matcher
    )


def test_l5_snapshot(example, snapshot):
    assert example.template(L5) == snapshot(matcher=asset_hash_matcher)


# --- TwinMaker workspace --------------------------------------------------------------------------------


def test_workspace_uses_its_role_and_hardened_bucket_and_waits_for_the_role(example):
    template = example.template(L4)
    (workspace_id, workspace), = resources_of_type(template, "AWS::IoTTwinMaker::Workspace").items()
    role_id = twinmaker_role_id(template)
    (bucket_id,) = resources_of_type(template, "AWS::S3::Bucket")
    assert workspace["Properties"]["WorkspaceId"] == TWIN
    assert workspace["Properties"]["Role"] == {"Fn::GetAtt": [role_id, "Arn"]}
    assert workspace["Properties"]["S3Location"] == {"Fn::GetAtt": [bucket_id, "Arn"]}
    policy_id = next(k for k, p in resources_of_type(template, "AWS::IAM::Policy").items() if {"Ref": role_id} in p["Properties"]["Roles"])
    assert {role_id, policy_id} <= set(workspace["DependsOn"])
    Template.from_json(template).has_resource_properties(
        "AWS::S3::Bucket",
        {
            "PublicAccessBlockConfiguration": Match.object_like({"BlockPublicPolicy": True, "RestrictPublicBuckets": True}),
            "BucketEncryption": Match.any_value(),
        },
    )


def test_twinmaker_role_is_trusted_by_twinmaker_and_scoped_to_its_bucket_and_readers(example):
    template = example.template(L4)
    role_id = twinmaker_role_id(template)
    role = template["Resources"][role_id]
    (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "iottwinmaker.amazonaws.com"}
    assert "aws:SourceAccount" in statement["Condition"]["StringEquals"]
    (policy,) = [p for p in resources_of_type(template, "AWS::IAM::Policy").values() if {"Ref": role_id} in p["Properties"]["Roles"]]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    actions = {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert actions == {"s3:GetBucket*", "s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "lambda:InvokeFunction"}
    (invoke,) = [s for s in statements if s["Action"] == "lambda:InvokeFunction"]
    assert {json.dumps(arn, sort_keys=True) for arn in invoke["Resource"]} == reader_arns(template)
    bucket_id = next(iter(resources_of_type(template, "AWS::S3::Bucket")))
    for s in statements:
        if s["Action"] != "lambda:InvokeFunction":
            assert bucket_id in json.dumps(s["Resource"])


# --- component types -------------------------------------------------------------------------------------


def test_devices_with_one_schema_share_one_component_type(example):
    types = component_types(example.template(L4))
    assert len(types) == 3  # press-01 and press-02 share a schema; conveyor and air quality have their own
    by_entity = {e["Components"]["press"]["ComponentTypeId"] for e in entities(example).values() if "press" in e.get("Components", {})}
    assert len(by_entity) == 1 and by_entity <= types.keys()
    assert all(type_id.startswith(f"{TWIN}-schema-") for type_id in types)


def test_component_type_has_time_series_constants_and_the_device_id_property(example):
    entity = entities(example)["press-01-station"]
    press_type = component_types(example.template(L4))[entity["Components"]["press"]["ComponentTypeId"]]
    definitions = press_type["PropertyDefinitions"]
    for name, data_type in (("temperature", "DOUBLE"), ("pressure", "DOUBLE"), ("cycleCount", "LONG")):
        assert definitions[name] == {"DataType": {"Type": data_type}, "IsTimeSeries": True, "IsStoredExternally": True}
    assert definitions["iotDeviceId"] == {"DataType": {"Type": "STRING"}, "IsRequiredInEntity": True, "IsTimeSeries": False}
    # Shared by both presses → a default; different per press → set on each entity instead.
    assert definitions["maxPressureBar"] == {"DataType": {"Type": "DOUBLE"}, "DefaultValue": {"DoubleValue": 250}}
    assert definitions["serialNumber"] == {"DataType": {"Type": "STRING"}}
    for function in press_type["Functions"].values():
        assert function["RequiredProperties"] == ["iotDeviceId"]


def test_component_types_read_the_hot_readers_directly_when_hot_on_aws(example):
    hot = functions_by_name(example.template(HOT))
    readers = {name: hot[name]["id"] for name in (f"{TWIN}-hot-reader", f"{TWIN}-hot-reader-last-entry")}
    for ct in component_types(example.template(L4)).values():
        for function_name, reader in (
            ("dataReader", f"{TWIN}-hot-reader"),
            ("attributePropertyValueReaderByEntity", f"{TWIN}-hot-reader-last-entry"),
        ):
            export = ct["Functions"][function_name]["ImplementedBy"]["Lambda"]["Arn"]["Fn::ImportValue"]
            assert export.startswith(f"{HOT}:") and readers[reader] in export
    assert not functions_by_name(example.template(L4))


def test_thousands_of_devices_of_few_schemas_need_few_component_types():
    devices = tuple(
        TwinDevice(f"sensor-{n:05d}", (("level", "DOUBLE"),) if n % 2 else (("level", "DOUBLE"), ("ok", "BOOLEAN")))
        for n in range(5000)
    )
    shared = share_component_types(TWIN, devices)
    assert len(shared) == 2 and sum(len(s.devices) for s in shared) == 5000
    assert share_component_types(TWIN, devices[::-1]) == shared  # ids and grouping independent of order


# --- entities ---------------------------------------------------------------------------------------------


def test_entities_follow_the_hierarchy_and_components_carry_the_device_id(example):
    found = entities(example)
    assert found["plant-linz"].get("ParentEntityId") is None
    assert found["hall-a"]["ParentEntityId"] == "plant-linz"
    assert found["press-01-station"]["ParentEntityId"] == "press-line"
    press = found["press-01-station"]["Components"]["press"]["Properties"]
    assert press["iotDeviceId"] == {"Value": {"StringValue": "press-01"}}
    assert press["serialNumber"] == {"Value": {"StringValue": "HP-2207-0042"}}
    assert "maxPressureBar" not in press  # the component type's default
    assert found["conveyor-line"]["Components"]["conveyor"]["Properties"]["iotDeviceId"] == {"Value": {"StringValue": "conveyor-01"}}


def test_entity_shards_wait_for_parents_and_component_types(example):
    template = example.template(L4)
    nested = resources_of_type(template, "AWS::CloudFormation::Stack")
    type_ids = set(resources_of_type(template, "AWS::IoTTwinMaker::ComponentType"))
    depth_of = {logical_id: int(logical_id.split("Depth")[1][0]) for logical_id in nested}
    for logical_id, shard in nested.items():
        depends_on = set(shard.get("DependsOn", []))
        if depth_of[logical_id] == 0:
            assert type_ids <= depends_on
        else:
            assert any(depth_of.get(d) == depth_of[logical_id] - 1 for d in depends_on)


def test_entity_shard_assignment_is_stable_and_spreads_thousands_below_the_limit():
    fleet = [TwinEntity(f"machine-{n:05d}", "hall", 2) for n in range(6000)]
    # Pinned by hand: a deployed entity's shard (its nested stack) must never change, whatever the
    # fleet around it, so these stay as written even if the shard formula is ever refactored.
    pinned = {"machine-00000": 12, "machine-00017": 14, "machine-05999": 12}
    assert {e.id: e.shard for e in fleet if e.id in pinned} == {i: (2, shard) for i, shard in pinned.items()}
    assert TwinEntity("press-01", None, 0).shard == (0, 5) and TwinEntity("hall", "plant", 1).shard == (1, 15)
    assert max(Counter(e.shard for e in fleet).values()) <= MAX_ENTITIES_PER_SHARD


# --- multi-cloud: hot store elsewhere -----------------------------------------------------------------------


def test_deploy_l4_creates_dt_data_connector_when_l3_different(hot_elsewhere):
    functions = functions_by_name(hot_elsewhere.template(L4))
    for name in CONNECTORS:
        handler_module = name.removeprefix(f"{TWIN}-").replace("-", "_")
        assert functions[name]["Handler"] == f"runtime.aws.{handler_module}.handler"
    assert Layer.L3_HOT not in hot_elsewhere.aws_layers


def test_twinmaker_component_type_uses_dt_connector_when_multicloud(hot_elsewhere):
    template = hot_elsewhere.template(L4)
    functions = functions_by_name(template)
    data_reader, last_entry = (functions[name]["id"] for name in CONNECTORS)
    for ct in component_types(template).values():
        assert ct["Functions"]["dataReader"]["ImplementedBy"]["Lambda"]["Arn"] == {"Fn::GetAtt": [data_reader, "Arn"]}
        assert ct["Functions"]["attributePropertyValueReaderByEntity"]["ImplementedBy"]["Lambda"]["Arn"] == {
            "Fn::GetAtt": [last_entry, "Arn"]
        }


def test_deploy_l4_missing_layer_4_provider_uses_l3_hot_default(l4_defaulted):
    assert l4_defaulted.config.providers[Layer.L4] is Provider.AWS
    template = l4_defaulted.template(L4)
    assert component_types(template)
    assert not functions_by_name(template)  # same cloud as hot: no connector, no bridge
    assert all(json.loads(arn)["Fn::ImportValue"].startswith(f"{HOT}:") for arn in reader_arns(template))


def test_config_inter_cloud_l4_reads_l3_hot_reader_url(hot_elsewhere):
    template = hot_elsewhere.template(L4)
    prefix = f"/{TWIN}/inter-cloud/{HOT_ELSEWHERE_READER_CONNECTION}"
    functions = functions_by_name(template)
    for name, key in zip(CONNECTORS, ("url", "last-entry-url"), strict=True):
        url_reference = functions[name]["Environment"]["Variables"]["REMOTE_URL"]
        parameter = template["Parameters"][url_reference["Ref"]]
        assert parameter == {"Type": "AWS::SSM::Parameter::Value<String>", "Default": f"{prefix}/{key}"}


def test_l4_adapter_calls_dt_data_connector_when_l3_different(hot_elsewhere):
    """TwinMaker may invoke exactly the connectors; they hold the connection's secret name and may read it."""
    template = hot_elsewhere.template(L4)
    functions = functions_by_name(template)
    connector_arns = {json.dumps({"Fn::GetAtt": [functions[name]["id"], "Arn"]}, sort_keys=True) for name in CONNECTORS}
    assert reader_arns(template) == connector_arns
    (invoke,) = [
        s
        for p in resources_of_type(template, "AWS::IAM::Policy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s["Action"] == "lambda:InvokeFunction"
    ]
    assert {json.dumps(arn, sort_keys=True) for arn in invoke["Resource"]} == connector_arns
    secret_name = f"{TWIN}/inter-cloud/{HOT_ELSEWHERE_READER_CONNECTION}/token"
    for name in CONNECTORS:
        assert functions[name]["Environment"]["Variables"]["REMOTE_TOKEN_SECRET"] == secret_name
        reads = [s for s in policy_statements_of(template, functions[name]["id"]) if "secretsmanager:GetSecretValue" in s["Action"]]
        assert secret_name in json.dumps(reads)


def test_destroy_l4_removes_dt_data_connector_when_l3_different(example, hot_elsewhere):
    assert set(CONNECTORS) <= functions_by_name(hot_elsewhere.template(L4)).keys()
    single_cloud = example.template(L4)
    assert not set(CONNECTORS) & functions_by_name(single_cloud).keys()
    assert "inter-cloud" not in json.dumps(single_cloud)


# --- Grafana --------------------------------------------------------------------------------------------------


def test_grafana_workspace_is_customer_managed_sso_with_plugin_admin(example):
    Template.from_json(example.template(L5)).has_resource_properties(
        "AWS::Grafana::Workspace",
        {
            "AccountAccessType": "CURRENT_ACCOUNT",
            "AuthenticationProviders": ["AWS_SSO"],
            "PermissionType": "CUSTOMER_MANAGED",
            "PluginAdminEnabled": True,
            "RoleArn": {"Fn::GetAtt": [Match.string_like_regexp("GrafanaRole"), "Arn"]},
        },
    )


def test_grafana_reads_only_this_twins_workspace_and_bucket_through_a_dashboard_role(example):
    """The TwinMaker plugin assumes a dashboard role; the workspace role may do nothing else."""
    template = example.template(L5)
    roles = resources_of_type(template, "AWS::IAM::Role")
    (workspace_role_id,) = [i for i, r in roles.items() if r["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
                            ["Principal"] == {"Service": "grafana.amazonaws.com"}]
    (dashboard_role_id,) = set(roles) - {workspace_role_id}
    (trust,) = roles[dashboard_role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"AWS": {"Fn::GetAtt": [workspace_role_id, "Arn"]}}
    policies = {p["Properties"]["Roles"][0]["Ref"]: p["Properties"]["PolicyDocument"]["Statement"]
                for p in resources_of_type(template, "AWS::IAM::Policy").values()}
    assert policies[workspace_role_id] == [
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Resource": {"Fn::GetAtt": [dashboard_role_id, "Arn"]}}]
    statements = policies[dashboard_role_id]
    actions = {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert actions == {
        "iottwinmaker:Get*",
        "iottwinmaker:List*",
        "iottwinmaker:ExecuteQuery",
        "s3:GetBucketLocation",
        "s3:ListBucket",
        "s3:GetObject",
    }
    for statement in statements:
        resources = json.dumps(statement["Resource"])
        assert resources.count("ImportValue") >= 1 and f"{L4}:" in resources and '"*"' not in resources


def test_l5_outputs_name_the_twinmaker_data_source_for_the_post_deploy_step(example):
    outputs = example.template(L5)["Outputs"]
    assert {"GrafanaWorkspaceId", "GrafanaEndpoint", "TwinMakerWorkspaceId", "TwinMakerDashboardRoleArn"} == set(outputs)
    role = outputs["TwinMakerDashboardRoleArn"]["Value"]["Fn::GetAtt"]
    assert role[1] == "Arn" and "DashboardRole" in role[0]


def test_grafana_off_the_twins_cloud_reads_the_dashboard_connection_from_the_registry(l4_elsewhere):
    """L4 on Azure: no native data source on AWS, so the L3 hot → L5 dashboard connection (here
    within AWS: hot is on AWS too) is resolved at deploy time and named in the outputs."""
    template = l4_elsewhere.template(L5)
    connection = f"{TWIN}/inter-cloud/aws_l3_hot_to_aws_l5_dashboard"
    parameters = {name: p["Default"] for name, p in template.get("Parameters", {}).items()
                  if p["Type"] == "AWS::SSM::Parameter::Value<String>" and "/inter-cloud/" in p["Default"]}
    assert sorted(parameters.values()) == [f"/{connection}/last-entry-url", f"/{connection}/url"]
    outputs = template["Outputs"]
    url_parameter = {v: k for k, v in parameters.items()}
    assert outputs["DashboardReaderUrl"]["Value"] == {"Ref": url_parameter[f"/{connection}/url"]}
    assert outputs["DashboardReaderLastEntryUrl"]["Value"] == {"Ref": url_parameter[f"/{connection}/last-entry-url"]}
    assert outputs["DashboardReaderTokenSecret"]["Value"] == f"{connection}/token"  # the name, never the value
    assert "TwinMakerWorkspaceId" not in outputs


def test_grafana_without_aws_twin_model_has_a_workspace_and_no_permissions(l4_elsewhere):
    template = l4_elsewhere.template(L5)
    assert resources_of_type(template, "AWS::Grafana::Workspace")
    assert not resources_of_type(template, "AWS::IAM::Policy")
    assert Layer.L4 not in l4_elsewhere.aws_layers


# --- checks every L4/L5 stack passes ---------------------------------------------------------------------------

VARIANT_STACKS = [("example", L4), ("example", L5), ("hot_elsewhere", L4), ("l4_elsewhere", L5)]


@pytest.mark.parametrize("variant,stack_name", VARIANT_STACKS)
def test_no_unacknowledged_nag_finding(request, variant, stack_name):
    assert request.getfixturevalue(variant).nag_findings(stack_name) == []


@pytest.mark.parametrize("variant,stack_name", VARIANT_STACKS)
def test_cfn_lint_reports_no_error(request, variant, stack_name):
    synthesized = request.getfixturevalue(variant)
    templates = [synthesized.template(stack_name)]
    if stack_name == L4:
        templates += entity_templates(synthesized)
    assert [error for template in templates for error in cfn_lint_errors(template)] == []
