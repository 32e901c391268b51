"""The AWS L3 stacks: hot table and readers, cold and archive buckets, and their bridges."""

from __future__ import annotations

import json
import re

import pytest
from aws_cdk import App, Stack
from aws_cdk.assertions import Match, Template

from constructs_lib.aws.l3_hardened_bucket import HardenedBucket, HardenedBucketProps
from constructs_lib.aws.l3_hot_table import HotTable, HotTableProps
from tests import found
from tests.aws import (
    exported_value,
    cfn_lint_errors,
    functions_by_name,
    policy_statements_of,
    resources_of_type,
)
from tests.conftest import ALL_AWS, WITHOUT_EVENTS
from tests.snapshot_utils import asset_hash_matcher

TWIN = "factory-floor"
HOT, COLD, ARCHIVE = f"{TWIN}-l3-hot", f"{TWIN}-l3-cold", f"{TWIN}-l3-archive"
HOT_READER, LAST_ENTRY_READER = f"{TWIN}-hot-reader", f"{TWIN}-hot-reader-last-entry"

# Provider variants shared with test_l4_l5_stacks (same dicts → one cached synth each).
# L2 and cold on Google, L4 on Azure: every bridge the hot stack can receive or send, plus the
# archive writer (cold → archive crosses clouds) and Grafana without a TwinMaker to read.
L4_ELSEWHERE = {
    **ALL_AWS,
    "layer_1_provider": "google",
    "layer_2_provider": "google",
    "layer_3_cold_provider": "google",
    "layer_4_provider": "azure",
}
# Hot on Azure, cold on AWS, archive on Google, twin on AWS: the cold writer, a cold bucket that
# cannot archive natively, and the Digital Twin Data Connector.
HOT_ELSEWHERE = {
    **ALL_AWS,
    "layer_1_provider": "azure",
    "layer_2_provider": "azure",
    "layer_3_hot_provider": "azure",
    "layer_3_archive_provider": "google",
}
L4_ELSEWHERE_READER_CONNECTION = "aws_l3_to_azure_l4_hot_reader"


@pytest.fixture(scope="module")
def l4_elsewhere(synth_project):
    return synth_project(L4_ELSEWHERE, **WITHOUT_EVENTS)


@pytest.fixture(scope="module")
def hot_elsewhere(synth_project):
    return synth_project(HOT_ELSEWHERE, **WITHOUT_EVENTS)


def assertions(template: dict) -> Template:
    return Template.from_json(template)


def bucket_logical_id(template: dict) -> str:
    (logical_id,) = resources_of_type(template, "AWS::S3::Bucket")
    return logical_id


def lambda_environment(template: dict, function_name: str) -> dict:
    return functions_by_name(template)[function_name]["Environment"]["Variables"]


# --- snapshots ------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack_name", [HOT, COLD, ARCHIVE])
def test_l3_snapshot(example, snapshot, stack_name):
    assert example.template(stack_name) == snapshot(matcher=asset_hash_matcher)


# --- hot --------------------------------------------------------------------------------------------


def test_hot_table_is_keyed_by_device_and_time_with_ttl_pitr_stream_and_encryption(example):
    assertions(example.template(HOT)).has_resource(
        "AWS::DynamoDB::Table",
        {
            "Properties": {
                "TableName": f"{TWIN}-hot",
                "KeySchema": [
                    {"AttributeName": "device_id", "KeyType": "HASH"},
                    {"AttributeName": "timestamp", "KeyType": "RANGE"},
                ],
                "AttributeDefinitions": [
                    {"AttributeName": "device_id", "AttributeType": "S"},
                    {"AttributeName": "timestamp", "AttributeType": "S"},
                ],
                "BillingMode": "PAY_PER_REQUEST",
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                "TimeToLiveSpecification": {"AttributeName": "ttl", "Enabled": True},
                "StreamSpecification": {"StreamViewType": "OLD_IMAGE"},
                "SSESpecification": {"SSEEnabled": True},
            },
            "DeletionPolicy": "Delete",  # the example runs in DEBUG mode
        },
    )


def _table_id(synthesized) -> str:
    (table_id,) = resources_of_type(synthesized.template(HOT), "AWS::DynamoDB::Table")
    return table_id


def test_hot_stack_exposes_the_table_for_the_l2_persister(example):
    persister = lambda_environment(example.template(f"{TWIN}-l2"), f"{TWIN}-persister")
    assert exported_value(example.template(HOT), persister["HOT_TABLE_NAME"]) == {"Ref": _table_id(example)}


@pytest.mark.parametrize("reader", [HOT_READER, LAST_ENTRY_READER])
def test_hot_readers_may_only_query_and_get_items_of_the_hot_table(example, reader):
    template = example.template(HOT)
    function = functions_by_name(template)[reader]
    assert function["Handler"] == f"runtime.aws.{reader.removeprefix(TWIN + '-').replace('-', '_')}.handler"
    assert function["Environment"]["Variables"]["HOT_TABLE_NAME"] == {"Ref": _table_id(example)}
    data_statements = [s for s in policy_statements_of(template, function["id"]) if s["Resource"] != "*"]
    assert data_statements == [
        {
            "Action": ["dynamodb:GetItem", "dynamodb:Query"],  # minimized policies sort actions
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [_table_id(example), "Arn"]},
        }
    ]


def test_hot_to_cold_mover_gets_only_ttl_expiries_in_large_batches(example):
    template = example.template(HOT)
    mover = functions_by_name(template)[f"{TWIN}-hot-to-cold"]
    assertions(template).has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "FunctionName": {"Ref": mover["id"]},
            "EventSourceArn": {"Fn::GetAtt": [_table_id(example), "StreamArn"]},
            "StartingPosition": "TRIM_HORIZON",
            "BatchSize": 1000,
            "MaximumBatchingWindowInSeconds": 300,
            "BisectBatchOnFunctionError": True,
            "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": [Match.string_like_regexp("FailedBatches"), "Arn"]}}},
            "FilterCriteria": {"Filters": [{"Pattern": Match.any_value()}]},
        },
    )
    (mapping,) = resources_of_type(template, "AWS::Lambda::EventSourceMapping").values()
    pattern = json.loads(mapping["Properties"]["FilterCriteria"]["Filters"][0]["Pattern"])
    assert pattern == {
        "eventName": ["REMOVE"],
        "userIdentity": {"type": ["Service"], "principalId": ["dynamodb.amazonaws.com"]},
    }


def test_hot_to_cold_mover_may_only_put_objects_into_the_cold_bucket(example):
    template = example.template(HOT)
    mover = functions_by_name(template)[f"{TWIN}-hot-to-cold"]
    assert mover["Handler"] == "runtime.aws.hot_to_cold.handler"
    assert mover["Environment"]["Variables"]["COLD_BUCKET_NAME"]["Fn::ImportValue"].startswith(f"{COLD}:")
    (s3_statement,) = [s for s in policy_statements_of(template, mover["id"]) if str(s["Action"]).startswith("s3:")]
    assert s3_statement["Action"] == "s3:PutObject"
    cold_bucket_arn, objects = s3_statement["Resource"]["Fn::Join"][1]
    assert cold_bucket_arn["Fn::ImportValue"].startswith(f"{COLD}:") and objects == "/*"


# --- cold and archive -----------------------------------------------------------------------------------


@pytest.mark.parametrize("stack_name", [COLD, ARCHIVE])
def test_buckets_are_encrypted_private_and_tls_only(example, stack_name):
    template = example.template(stack_name)
    checks = assertions(template)
    checks.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
        },
    )
    checks.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})]
                )
            }
        },
    )


def test_cold_bucket_replicates_to_archive_as_deep_archive_and_expires_after_cold_window(example):
    template = example.template(COLD)
    assertions(template).has_resource_properties(
        "AWS::S3::Bucket",
        {
            "VersioningConfiguration": {"Status": "Enabled"},
            "ReplicationConfiguration": {
                "Rules": [
                    Match.object_like(
                        {
                            "Status": "Enabled",
                            "Destination": {
                                "Bucket": {"Fn::ImportValue": Match.string_like_regexp(f"^{ARCHIVE}:.*Arn")},
                                "StorageClass": "DEEP_ARCHIVE",
                            },
                            "DeleteMarkerReplication": {"Status": "Disabled"},
                        }
                    )
                ]
            },
            "LifecycleConfiguration": {
                "Rules": Match.array_with(
                    [
                        Match.object_like(
                            {"ExpirationInDays": 90, "NoncurrentVersionExpiration": {"NoncurrentDays": 1}, "Status": "Enabled"}
                        ),
                        Match.object_like({"ExpiredObjectDeleteMarker": True, "Status": "Enabled"}),
                    ]
                )
            },
        },
    )
    (bucket,) = resources_of_type(template, "AWS::S3::Bucket").values()
    assert not any("Transitions" in rule for rule in bucket["Properties"]["LifecycleConfiguration"]["Rules"])


def test_archive_bucket_is_versioned_as_replication_destination(example):
    assertions(example.template(ARCHIVE)).has_resource_properties(
        "AWS::S3::Bucket", {"VersioningConfiguration": {"Status": "Enabled"}}
    )


def test_cold_and_archive_stacks_expose_their_buckets(example):
    # the cold bucket's name to the hot → cold mover, the archive bucket's ARN to cold's replication
    mover = lambda_environment(example.template(HOT), f"{TWIN}-hot-to-cold")
    assert exported_value(example.template(COLD), mover["COLD_BUCKET_NAME"]) == {"Ref": bucket_logical_id(example.template(COLD))}
    imports = re.findall(r'\{"Fn::ImportValue": "[^"]+"\}', json.dumps(example.template(COLD)))
    archive_arn = {"Fn::GetAtt": [bucket_logical_id(example.template(ARCHIVE)), "Arn"]}
    assert archive_arn in [exported_value(example.template(ARCHIVE), json.loads(i)) for i in imports if ARCHIVE in i]


def test_cold_archives_on_write_to_another_cloud_then_expires(hot_elsewhere):
    template = hot_elsewhere.template(COLD)
    (bucket,) = resources_of_type(template, "AWS::S3::Bucket").values()
    assert "ReplicationConfiguration" not in bucket["Properties"]
    assert bucket["Properties"]["LifecycleConfiguration"]["Rules"] == [
        {"ExpirationInDays": 90, "Id": "ExpireAfterColdWindow", "Status": "Enabled"}
    ]
    forwarder = functions_by_name(template)[f"{TWIN}-cold-to-archive"]
    assert forwarder["Handler"] == "runtime.aws.cold_to_archive.handler"
    variables = forwarder["Environment"]["Variables"]
    assert set(variables) >= {"COLD_BUCKET_NAME", "REMOTE_URL", "REMOTE_TOKEN_SECRET"}
    assert variables["REMOTE_TOKEN_SECRET"] == f"{TWIN}/inter-cloud/aws_l3_cold_to_google_l3_archive/token"
    parameters = template["Parameters"]
    assert any(
        p.get("Default") == f"/{TWIN}/inter-cloud/aws_l3_cold_to_google_l3_archive/url" for p in parameters.values()
    )
    (notification,) = resources_of_type(template, "Custom::S3BucketNotifications").values()
    (config,) = notification["Properties"]["NotificationConfiguration"]["LambdaFunctionConfigurations"]
    assert config["Events"] == ["s3:ObjectCreated:*"]
    assert config["LambdaFunctionArn"] == {"Fn::GetAtt": [forwarder["id"], "Arn"]}


def test_cold_to_archive_forwarder_exists_only_when_archive_is_elsewhere(example):
    assert f"{TWIN}-cold-to-archive" not in functions_by_name(example.template(COLD))
    assert not resources_of_type(example.template(COLD), "Custom::S3BucketNotifications")


def test_production_mode_retains_the_hot_table_and_buckets_with_their_data():
    stack = Stack(App(), "Production")
    HotTable(stack, "Hot", HotTableProps(twin_name=TWIN, debug=False))
    HardenedBucket(stack, "Cold", HardenedBucketProps(debug=False))
    template = Template.from_stack(stack)
    for resource_type in ("AWS::DynamoDB::Table", "AWS::S3::Bucket"):
        template.has_resource(resource_type, {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"})
    template.resource_count_is("Custom::S3AutoDeleteObjects", 0)


# --- bridges received and sent by L3 --------------------------------------------------------------------


def test_hot_writer_receives_the_remote_l2_and_writes_the_table(l4_elsewhere):
    template = l4_elsewhere.template(HOT)
    writer = functions_by_name(template)[f"{TWIN}-hot-writer"]
    variables = writer["Environment"]["Variables"]
    assert writer["Handler"] == "runtime.aws.hot_writer.handler"
    assert variables["HOT_RETENTION_DAYS"] == "30"
    assert {"HOT_TABLE_NAME", "INBOUND_TOKEN_SECRET"} <= set(variables)
    assert any(
        sorted(s["Action"]) == ["dynamodb:BatchWriteItem", "dynamodb:PutItem"]
        for s in policy_statements_of(template, writer["id"])
    )
    assertions(template).has_resource_properties(
        "AWS::SSM::Parameter", {"Name": f"/{TWIN}/inter-cloud/google_l2_to_aws_l3_hot/url"}
    )


def test_hot_to_cold_mover_posts_to_the_remote_cold_writer_when_cold_elsewhere(l4_elsewhere):
    template = l4_elsewhere.template(HOT)
    variables = lambda_environment(template, f"{TWIN}-hot-to-cold")
    connection = "aws_l3_hot_to_google_l3_cold"
    assert "COLD_BUCKET_NAME" not in variables
    assert variables["REMOTE_TOKEN_SECRET"] == f"{TWIN}/inter-cloud/{connection}/token"
    url_parameter = template["Parameters"][variables["REMOTE_URL"]["Ref"]]
    assert url_parameter["Default"] == f"/{TWIN}/inter-cloud/{connection}/url"


def test_cold_writer_receives_the_remote_hot_mover(hot_elsewhere):
    template = hot_elsewhere.template(COLD)
    writer = functions_by_name(template)[f"{TWIN}-cold-writer"]
    assert writer["Handler"] == "runtime.aws.cold_writer.handler"
    assert writer["Environment"]["Variables"]["COLD_BUCKET_NAME"] == {"Ref": bucket_logical_id(template)}
    assert [s["Action"] for s in policy_statements_of(template, writer["id"]) if str(s["Action"]).startswith("s3:")] == [
        "s3:PutObject"
    ]
    assertions(template).has_resource_properties(
        "AWS::SSM::Parameter", {"Name": f"/{TWIN}/inter-cloud/azure_l3_hot_to_aws_l3_cold/url"}
    )


def test_archive_writer_receives_the_remote_cold_mover(l4_elsewhere):
    template = l4_elsewhere.template(ARCHIVE)
    writer = functions_by_name(template)[f"{TWIN}-archive-writer"]
    assert writer["Handler"] == "runtime.aws.archive_writer.handler"
    assert writer["Environment"]["Variables"]["ARCHIVE_BUCKET_NAME"] == {"Ref": bucket_logical_id(template)}
    assertions(template).has_resource_properties(
        "AWS::SSM::Parameter", {"Name": f"/{TWIN}/inter-cloud/google_l3_cold_to_aws_l3_archive/url"}
    )
    (bucket,) = resources_of_type(template, "AWS::S3::Bucket").values()
    assert "VersioningConfiguration" not in bucket["Properties"]  # not a replication destination


def test_deploy_l3_hot_creates_function_urls_when_l4_different(l4_elsewhere):
    template = l4_elsewhere.template(HOT)
    functions = functions_by_name(template)
    urls = resources_of_type(template, "AWS::Lambda::Url").values()
    targets = {url["Properties"]["TargetFunctionArn"]["Fn::GetAtt"][0] for url in urls}
    assert {functions[HOT_READER]["id"], functions[LAST_ENTRY_READER]["id"]} <= targets
    assert all(url["Properties"]["AuthType"] == "NONE" for url in urls)  # the token is checked in code


def test_config_inter_cloud_saves_l3_to_l4_hot_reader_url(l4_elsewhere):
    template = l4_elsewhere.template(HOT)
    functions = functions_by_name(template)
    parameters = {
        p["Properties"]["Name"]: p["Properties"]["Value"] for p in resources_of_type(template, "AWS::SSM::Parameter").values()
    }
    prefix = f"/{TWIN}/inter-cloud/{L4_ELSEWHERE_READER_CONNECTION}"
    url_of = {
        url_id: url["Properties"]["TargetFunctionArn"]["Fn::GetAtt"][0]
        for url_id, url in resources_of_type(template, "AWS::Lambda::Url").items()
    }
    assert url_of[parameters[f"{prefix}/url"]["Fn::GetAtt"][0]] == functions[HOT_READER]["id"]
    assert url_of[parameters[f"{prefix}/last-entry-url"]["Fn::GetAtt"][0]] == functions[LAST_ENTRY_READER]["id"]
    assertions(template).has_resource_properties(
        "AWS::SecretsManager::Secret", {"Name": f"{TWIN}/inter-cloud/{L4_ELSEWHERE_READER_CONNECTION}/token"}
    )


def test_grafana_off_the_twins_cloud_gets_dashboard_readers_with_a_token_of_their_own(l4_elsewhere):
    """L5 on AWS, L4 on Azure: the L3 hot → L5 dashboard connection's reader pair (the hot readers'
    code) behind their own Function URLs and token, beside the readers the twin calls."""
    template = l4_elsewhere.template(HOT)
    functions = functions_by_name(template)
    readers = {f"{TWIN}-dashboard-reader": "hot_reader", f"{TWIN}-dashboard-reader-last-entry": "hot_reader_last_entry"}
    for name, module in readers.items():
        assert functions[name]["Handler"] == f"runtime.aws.{module}.handler"
    parameters = {
        p["Properties"]["Name"]: p["Properties"]["Value"] for p in resources_of_type(template, "AWS::SSM::Parameter").values()
    }
    url_of = {url_id: url["Properties"]["TargetFunctionArn"]["Fn::GetAtt"][0]
              for url_id, url in resources_of_type(template, "AWS::Lambda::Url").items()}
    prefix = f"/{TWIN}/inter-cloud/aws_l3_hot_to_aws_l5_dashboard"
    assert url_of[parameters[f"{prefix}/url"]["Fn::GetAtt"][0]] == functions[f"{TWIN}-dashboard-reader"]["id"]
    assert url_of[parameters[f"{prefix}/last-entry-url"]["Fn::GetAtt"][0]] == functions[f"{TWIN}-dashboard-reader-last-entry"]["id"]
    secrets = {s["Properties"]["Name"]: i for i, s in resources_of_type(template, "AWS::SecretsManager::Secret").items()}
    dashboard_token = secrets[f"{TWIN}/inter-cloud/aws_l3_hot_to_aws_l5_dashboard/token"]
    for name in readers:  # the secret's name, derived from its ARN by CloudFormation
        assert f'"Ref": "{dashboard_token}"' in json.dumps(functions[name]["Environment"]["Variables"]["INBOUND_TOKEN_SECRET"])
    assert f'"Ref": "{dashboard_token}"' not in json.dumps(functions[HOT_READER]["Environment"])


def test_l3_adapter_calls_hot_reader_function_url_when_l4_different(l4_elsewhere):
    """The readers serve HTTP (token secret set, may read it) behind public URLs with their own invoke permission."""
    template = l4_elsewhere.template(HOT)
    functions = functions_by_name(template)
    (secret_id,) = [
        logical_id
        for logical_id, secret in resources_of_type(template, "AWS::SecretsManager::Secret").items()
        if L4_ELSEWHERE_READER_CONNECTION in secret["Properties"]["Name"]
    ]
    for reader in (HOT_READER, LAST_ENTRY_READER):
        assert "INBOUND_TOKEN_SECRET" in functions[reader]["Environment"]["Variables"]
        reads = [s for s in policy_statements_of(template, functions[reader]["id"]) if s["Resource"] == {"Ref": secret_id}]
        assert reads and "secretsmanager:GetSecretValue" in reads[0]["Action"]
        assertions(template).has_resource_properties(
            "AWS::Lambda::Permission",
            {
                "Action": "lambda:InvokeFunctionUrl",
                "FunctionName": {"Fn::GetAtt": [functions[reader]["id"], "Arn"]},
                "FunctionUrlAuthType": "NONE",
                "Principal": "*",
            },
        )


def test_destroy_l3_hot_removes_function_url_when_l4_different(example, l4_elsewhere):
    assert resources_of_type(l4_elsewhere.template(HOT), "AWS::Lambda::Url")
    single_cloud = example.template(HOT)
    assert not resources_of_type(single_cloud, "AWS::Lambda::Url")
    assert not resources_of_type(single_cloud, "AWS::SSM::Parameter")
    for reader in (HOT_READER, LAST_ENTRY_READER):
        assert "INBOUND_TOKEN_SECRET" not in lambda_environment(single_cloud, reader)


# --- checks every L3 stack passes ----------------------------------------------------------------------

VARIANT_STACKS = [
    ("example", HOT),
    ("example", COLD),
    ("example", ARCHIVE),
    ("l4_elsewhere", HOT),
    ("l4_elsewhere", ARCHIVE),
    ("hot_elsewhere", COLD),
]


@pytest.mark.parametrize("variant,stack_name", VARIANT_STACKS)
def test_no_unacknowledged_nag_finding(request, variant, stack_name):
    assert request.getfixturevalue(variant).nag_findings(stack_name) == []


@pytest.mark.parametrize("variant,stack_name", VARIANT_STACKS)
def test_cfn_lint_reports_no_error(request, variant, stack_name):
    assert cfn_lint_errors(request.getfixturevalue(variant).template(stack_name)) == []


# The stacks that receive a bridge (docs/design.md §4), from the variants' provider maps: with L4 elsewhere
# the hot writer and readers (L2 on Google, the twin on Azure) and the archive writer (cold on Google);
# with hot elsewhere the cold writer.
BRIDGE_RECEIVERS = {("l4_elsewhere", HOT), ("l4_elsewhere", ARCHIVE), ("hot_elsewhere", COLD)}


@pytest.mark.parametrize("variant,stack_name", VARIANT_STACKS)
def test_tokens_never_in_templates_and_functions_get_secret_names_only(request, variant, stack_name):
    template = request.getfixturevalue(variant).template(stack_name)
    secrets = resources_of_type(template, "AWS::SecretsManager::Secret").values()
    # A stack holds a token exactly where it receives a bridge.
    assert bool(secrets) == ((variant, stack_name) in BRIDGE_RECEIVERS)
    for secret in secrets:
        assert "SecretString" not in secret["Properties"]
        assert "GenerateSecretString" in secret["Properties"]
    token_variables = [
        name for function in found(resources_of_type(template, "AWS::Lambda::Function").values(), "functions")
        for name in function["Properties"].get("Environment", {}).get("Variables", {}) if "TOKEN" in name
    ]
    assert all(name.endswith("_TOKEN_SECRET") for name in token_variables)
    assert bool(token_variables) == ((variant, stack_name) in BRIDGE_RECEIVERS)
