"""The AWS L2 processing stack: one processor, the persister, event checking and the Ingestion."""

from __future__ import annotations

import json

import pytest
from aws_cdk.assertions import Match, Template

from twin_model.config.model import Layer
from constructs_lib.aws.l2_event_actions import action_function_name
from tests import found
from tests.aws import (
    exported_value,
    L2_ON_AZURE,
    LARGE_FLEET_REMOTE_HOT,
    TWIN,
    cfn_lint_errors,
    functions_by_name,
    large_fleet_devices,
    policy_statements_of,
    resources_of_type,
)
from tests.conftest import EXAMPLE, WITHOUT_EVENTS
from tests.snapshot_utils import asset_hash_matcher

L2, HOT = f"{TWIN}-l2", f"{TWIN}-l3-hot"
PROCESSOR, PERSISTER, INGESTION = (f"{TWIN}-{role}" for role in ("processor", "persister", "ingestion"))
# Same providers as in tests/test_app.py, so the session cache synthesizes each variant once.
L1_ON_AZURE = {
    "layer_1_provider": "azure",
    "layer_2_provider": "aws",
    "layer_3_hot_provider": "aws",
    "layer_3_cold_provider": "azure",
    "layer_3_archive_provider": "aws",
    "layer_4_provider": "azure",
    "layer_5_provider": "aws",
}
L2_ON_GOOGLE = {
    "layer_1_provider": "google",
    "layer_2_provider": "google",
    "layer_3_hot_provider": "azure",
    "layer_3_cold_provider": "aws",
    "layer_3_archive_provider": "google",
    "layer_4_provider": "azure",
    "layer_5_provider": "azure",
}
INGESTION_CONNECTION = "azure_l1_to_aws_l2"
HOT_CONNECTION = "aws_l2_to_azure_l3_hot"
ACTIONS = ("high-temperature-callback", "notify-operator", "log-incident")


@pytest.fixture(scope="module")
def l1_on_azure(synth_project):
    return synth_project(L1_ON_AZURE)


@pytest.fixture(scope="module")
def large_fleet(synth_project):
    return synth_project(LARGE_FLEET_REMOTE_HOT, config_iot_devices=large_fleet_devices())


def function(template: dict, name: str) -> dict:
    return functions_by_name(template)[name]


def variables(template: dict, name: str) -> dict:
    return function(template, name)["Environment"]["Variables"]


def statements_with(template: dict, name: str, action: str) -> list[dict]:
    return [
        statement
        for statement in policy_statements_of(template, function(template, name)["id"])
        if action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
    ]


# --- snapshot ----------------------------------------------------------------------------------


def test_l2_snapshot(example, snapshot):
    assert example.template(L2) == snapshot(matcher=asset_hash_matcher)


# --- processor and persister -------------------------------------------------------------------------


def test_one_processor_regardless_of_device_count(example, large_fleet):
    assert len(large_fleet.config.devices) > 100 > len(example.config.devices)
    for synthesized in (example, large_fleet):
        names = list(functions_by_name(synthesized.template(L2)))
        assert [name for name in names if "processor" in name] == [PROCESSOR]
    assert len(functions_by_name(large_fleet.template(L2))) == len(functions_by_name(example.template(L2)))


def test_processor_runs_the_project_bundle_and_invokes_only_the_persister(example):
    template = example.template(L2)
    processor = function(template, PROCESSOR)
    assert processor["Handler"] == "runtime.aws.processor.handler"
    persister_id = function(template, PERSISTER)["id"]
    assert variables(template, PROCESSOR)["PERSISTER_FUNCTION_NAME"] == {"Ref": persister_id}
    (invoke,) = statements_with(template, PROCESSOR, "lambda:InvokeFunction")
    assert all(persister_id in json.dumps(resource) for resource in invoke["Resource"])
    dispatcher = functions_by_name(example.template(f"{TWIN}-l1"))[f"{TWIN}-dispatcher"]  # L1's, through an export
    target = dispatcher["Environment"]["Variables"]["TARGET_FUNCTION_NAME"]
    assert exported_value(template, target) == {"Ref": processor["id"]}


def test_persister_writes_only_to_the_hot_table(example):
    template = example.template(L2)
    environment = variables(template, PERSISTER)
    table_export = environment["HOT_TABLE_NAME"]["Fn::ImportValue"]  # <hot stack>:ExportsOutputRef<Table>…
    assert table_export.startswith(f"{HOT}:ExportsOutputRef")
    table = table_export.removeprefix(f"{HOT}:ExportsOutputRef")[:-8]  # without the export's hash
    assert environment["HOT_RETENTION_DAYS"] == str(example.config.twin.hot_storage_size_in_days)
    statements = policy_statements_of(template, function(template, PERSISTER)["id"])
    dynamodb = [statement for statement in statements if "dynamodb" in json.dumps(statement)]
    assert len(dynamodb) == 1
    assert sorted(dynamodb[0]["Action"]) == ["dynamodb:BatchWriteItem", "dynamodb:PutItem"]
    assert dynamodb[0]["Resource"]["Fn::ImportValue"].startswith(f"{HOT}:ExportsOutputFnGetAtt{table}Arn")


def test_persister_sends_to_the_remote_hot_writer_when_hot_elsewhere(large_fleet):
    template = large_fleet.template(L2)
    environment = variables(template, PERSISTER)
    assert "HOT_TABLE_NAME" not in environment
    url_parameter = template["Parameters"][environment["REMOTE_URL"]["Ref"]]
    assert url_parameter["Default"] == f"/{TWIN}/inter-cloud/{HOT_CONNECTION}/url"
    assert environment["REMOTE_TOKEN_SECRET"] == f"{TWIN}/inter-cloud/{HOT_CONNECTION}/token"
    assert "dynamodb" not in json.dumps(policy_statements_of(template, function(template, PERSISTER)["id"]))


def test_async_functions_have_failure_destinations(example, l1_on_azure):
    for synthesized in (example, l1_on_azure):
        template = Template.from_json(synthesized.template(L2))
        functions = functions_by_name(synthesized.template(L2))
        configured = {
            config["Properties"]["FunctionName"]["Ref"]: config["Properties"]["DestinationConfig"]["OnFailure"]
            for config in template.find_resources("AWS::Lambda::EventInvokeConfig").values()
        }
        asynchronous = {f["id"] for name, f in functions.items() if name != INGESTION}  # ingestion: HTTP, sync
        assert set(configured) == asynchronous
        queues = template.find_resources("AWS::SQS::Queue")
        assert all(on_failure["Destination"]["Fn::GetAtt"][0] in queues for on_failure in configured.values())


# --- event checking ------------------------------------------------------------------------------------


def test_event_checker_may_start_only_its_rules_actions(example):
    template = example.template(L2)
    environment = variables(template, f"{TWIN}-event-checker")
    (workflow_id,) = resources_of_type(template, "AWS::StepFunctions::StateMachine")
    assert environment["ACTION_FUNCTION_PREFIX"] == f"{TWIN}-action-"
    assert environment["WORKFLOW_ARN"] == {"Ref": workflow_id}
    assert environment["FEEDBACK_FUNCTION_NAME"] == {"Ref": function(template, f"{TWIN}-feedback")["id"]}
    invocations = statements_with(template, f"{TWIN}-event-checker", "lambda:InvokeFunction")
    invoked = [json.dumps(statement["Resource"]) for statement in invocations]
    assert any(f":function:{TWIN}-action-high-temperature-callback" in resource for resource in invoked)
    assert not any("notify-operator" in resource or "*" in resource for resource in invoked)
    (start,) = statements_with(template, f"{TWIN}-event-checker", "states:StartExecution")
    assert start["Resource"] == {"Ref": workflow_id}
    persister = variables(template, PERSISTER)
    assert persister["EVENT_CHECKER_FUNCTION_NAME"] == {"Ref": function(template, f"{TWIN}-event-checker")["id"]}


def test_event_actions_are_deployed_from_the_users_code_with_the_twin_prefix(example):
    functions = functions_by_name(example.template(L2))
    for action in ACTIONS:
        assert functions[f"{TWIN}-action-{action}"]["Handler"] == "lambda_function.lambda_handler"


def test_action_functions_are_named_where_the_event_checker_looks():
    # The checker invokes ACTION_FUNCTION_PREFIX + functionName; too-long names are a config error.
    assert action_function_name(TWIN, "log-incident") == f"{TWIN}-action-log-incident"


def test_workflow_comes_from_the_project_logs_traces_and_invokes_only_its_actions(example):
    template = Template.from_json(example.template(L2))
    template.has_resource_properties(
        "AWS::StepFunctions::StateMachine",
        {
            "StateMachineName": f"{TWIN}-event-workflow",
            "LoggingConfiguration": Match.object_like({"Level": "ALL"}),
            "TracingConfiguration": {"Enabled": True},
        },
    )
    (workflow,) = template.find_resources("AWS::StepFunctions::StateMachine").values()
    staged = example.outdir / f"asset.{workflow['Properties']['DefinitionS3Location']['Key']}"
    assert staged.read_text() == (EXAMPLE / "state_machines" / "aws_step_function.json").read_text()
    role_policy = json.dumps(
        [
            p["Properties"]["PolicyDocument"]
            for p in template.find_resources("AWS::IAM::Policy").values()
            if "StateMachine" in json.dumps(p["Properties"]["Roles"])
        ]
    )
    assert "lambda:InvokeFunction" in role_policy
    for action, allowed in (("notify-operator", True), ("log-incident", True), ("high-temperature-callback", False)):
        assert (f":function:{TWIN}-action-{action}" in role_policy) is allowed, action


def test_feedback_publishes_only_to_the_twins_feedback_topics(example):
    template = example.template(L2)
    (publish,) = statements_with(template, f"{TWIN}-feedback", "iot:Publish")
    assert publish["Action"] == "iot:Publish"
    assert publish["Resource"]["Fn::Join"][1][-1] == f":topic/dt/{TWIN}/*/feedback"
    (describe,) = statements_with(template, f"{TWIN}-feedback", "iot:DescribeThing")  # "is it a device of ours?"
    assert describe["Resource"]["Fn::Join"][1][-1] == f":thing/{TWIN}-*"


def test_feedback_to_devices_on_another_cloud_goes_over_the_feedback_bridge(l1_on_azure):
    """L1 on Azure: the feedback function sends to the L1 feedback receiver and has no IoT permission."""
    template = l1_on_azure.template(L2)
    feedback = function(template, f"{TWIN}-feedback")
    environment = feedback["Environment"]["Variables"]
    connection = "aws_l2_to_azure_l1_feedback"
    parameter = template["Parameters"][environment["DEVICE_FEEDBACK_URL"]["Ref"]]
    assert parameter["Default"] == f"/{TWIN}/inter-cloud/{connection}/url"
    assert environment["DEVICE_FEEDBACK_TOKEN_SECRET"] == f"{TWIN}/inter-cloud/{connection}/token"
    statements = policy_statements_of(template, feedback["id"])
    assert not [s for s in statements if "iot:" in json.dumps(s["Action"])]
    assert [s for s in statements if "secretsmanager:GetSecretValue" in s["Action"]
            and f"{TWIN}/inter-cloud/{connection}/token" in json.dumps(s["Resource"])]


# --- the L1→L2 bridge and remote L2 ----------------------------------------------------------------


def test_l2_adapter_saves_ingestion_url_to_inter_cloud(l1_on_azure):
    template = Template.from_json(l1_on_azure.template(L2))
    ingestion = function(l1_on_azure.template(L2), INGESTION)
    (url_id,) = template.find_resources("AWS::Lambda::Url")
    template.has_resource_properties(
        "AWS::SSM::Parameter",
        {"Name": f"/{TWIN}/inter-cloud/{INGESTION_CONNECTION}/url", "Value": {"Fn::GetAtt": [url_id, "FunctionUrl"]}},
    )
    template.has_resource_properties(
        "AWS::Lambda::Url", {"TargetFunctionArn": {"Fn::GetAtt": [ingestion["id"], "Arn"]}, "AuthType": "NONE"}
    )
    template.has_resource_properties(
        "AWS::SecretsManager::Secret",
        {"Name": f"{TWIN}/inter-cloud/{INGESTION_CONNECTION}/token", "GenerateSecretString": Match.any_value()},
    )
    environment = ingestion["Environment"]["Variables"]
    assert environment["PROCESSOR_FUNCTION_NAME"] == {"Ref": function(l1_on_azure.template(L2), PROCESSOR)["id"]}


def test_no_ingestion_when_l1_on_aws(example):
    assert INGESTION not in functions_by_name(example.template(L2))
    assert not resources_of_type(example.template(L2), "AWS::Lambda::Url")  # no public endpoint at all


def test_no_token_literal_in_templates_or_environment(l1_on_azure):
    template = l1_on_azure.template(L2)
    for secret in found(resources_of_type(template, "AWS::SecretsManager::Secret").values(), "secrets"):
        assert "SecretString" not in secret["Properties"] and "GenerateSecretString" in secret["Properties"]
    for name, fn in found(functions_by_name(template).items(), "functions"):
        for key, value in fn.get("Environment", {}).get("Variables", {}).items():
            assert "TOKEN" not in key or key.endswith("_TOKEN_SECRET"), (name, key)
            if key.endswith("_TOKEN_SECRET"):
                assert "Ref" in json.dumps(value) or value.endswith("/token"), (name, key)  # the secret's name


@pytest.mark.parametrize(
    "providers", [pytest.param(L2_ON_AZURE, id="azure"), pytest.param(L2_ON_GOOGLE, id="google")]
)
def test_create_processor_skips_when_l2_remote(synth_project, providers):
    synthesized = synth_project(providers, **WITHOUT_EVENTS)
    assert Layer.L2 not in synthesized.aws_layers
    for stack in synthesized.assembly.stacks:
        assert not any(name.endswith("-processor") for name in functions_by_name(stack.template)), stack.stack_name


# --- cdk-nag and cfn-lint ------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", ["example", "l1_on_azure", "large_fleet"])
def test_l2_has_no_unacknowledged_nag_findings(request, variant):
    assert request.getfixturevalue(variant).nag_findings(L2) == []


@pytest.mark.parametrize("variant", ["example", "l1_on_azure"])
def test_l2_template_passes_cfn_lint(request, variant):
    assert cfn_lint_errors(request.getfixturevalue(variant).template(L2)) == []


def test_persister_updates_the_azure_twin_through_the_twin_update_bridge(example, l1_on_azure):
    connection = "aws_l2_to_azure_l4_twin_update"
    template = l1_on_azure.template(L2)
    env = variables(template, f"{TWIN}-persister")
    assert env["TWIN_UPDATE_TOKEN_SECRET"] == f"{TWIN}/inter-cloud/{connection}/token"
    (parameter,) = [p for p in template["Parameters"].values() if p.get("Default") == f"/{TWIN}/inter-cloud/{connection}/url"]
    assert parameter["Type"] == "AWS::SSM::Parameter::Value<String>"
    assert "TWIN_UPDATE_URL" in env
    assert "TWIN_UPDATE_URL" not in variables(example.template(L2), f"{TWIN}-persister")  # twin on AWS: no bridge
