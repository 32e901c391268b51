"""The Google layer stacks: complete, least-privilege, bridged exactly where the topology says.

Each stack is checked with `cdktn.Testing` matchers on the properties that matter and a syrupy
snapshot of its Terraform JSON (asset hashes masked).
"""

from __future__ import annotations

import json
import re

import pytest
from cdktn import Testing as TfTesting  # aliased: pytest would try to collect `Testing`

from twin_model.config.model import Layer, Provider
from twin_model.topology import BridgeKind
from twin_contract.registry import token_secret_name, url_parameter_name
from syrupy.matchers import path_value
from tests import found

# CDK Terrain asset hashes are 32 upper-case hex digits (tests.snapshot_utils masks CDK's 64).
TF_ASSET_HASH = re.compile(r"[0-9A-F]{32}")
tf_asset_matcher = path_value(
    mapping={r".*": rf".*{TF_ASSET_HASH.pattern}.*"},
    replacer=lambda data, match: TF_ASSET_HASH.sub("<asset-hash>", data) if match else data,
    types=(str,),
    regex=True,
    strict=False,
)

TWIN = "factory-floor-gcp"
FUNCTION = "google_cloudfunctions2_function"
INVOKER = "google_cloud_run_v2_service_iam_member"


def resources(tf: dict, kind: str) -> list[dict]:
    return list(tf.get("resource", {}).get(kind, {}).values())


def functions(tf: dict) -> dict[str, dict]:
    return {fn["name"].removeprefix(f"{TWIN}-"): fn for fn in resources(tf, FUNCTION)}


def env(fn: dict) -> dict[str, str]:
    return fn["service_config"].get("environment_variables", {})


def public_function_refs(tf: dict) -> set[str]:
    """Function resource ids whose Cloud Run service grants allUsers run.invoker."""
    refs = set()
    for binding in resources(tf, INVOKER):
        if binding["member"] == "allUsers":
            refs.add(re.search(rf"{FUNCTION}\.([\w-]+)\.", binding["name"]).group(1))
    return refs


def function_id(tf: dict, short_name: str) -> str:
    return next(k for k, fn in tf["resource"][FUNCTION].items() if fn["name"] == f"{TWIN}-{short_name}")


@pytest.fixture(scope="module")
def example(gcp_synth):
    return gcp_synth("example")


@pytest.mark.parametrize("layer", ["l1", "l2", "l3-hot", "l3-cold", "l3-archive"])
def test_every_google_layer_synthesizes_to_a_snapshot(example, snapshot, layer: str) -> None:
    assert example.stack_json(f"{TWIN}-{layer}") == snapshot(matcher=tf_asset_matcher)


def test_l1_pubsub_eventarc_dispatcher_and_dead_letter(example) -> None:
    text, tf = example.text(f"{TWIN}-l1"), example.stack_json(f"{TWIN}-l1")
    assert TfTesting.to_have_resource_with_properties(text, "google_pubsub_topic", {"name": f"{TWIN}-telemetry"})
    assert TfTesting.to_have_resource_with_properties(
        text, "google_pubsub_subscription", {"name": f"{TWIN}-telemetry-dead-letter-retained"}
    )
    dispatcher = functions(tf)["dispatcher"]
    trigger = dispatcher["event_trigger"]
    assert trigger["event_type"] == "google.cloud.pubsub.topic.v1.messagePublished"
    assert trigger["retry_policy"] == "RETRY_POLICY_RETRY"
    topics = {t["name"]: key for key, t in tf["resource"]["google_pubsub_topic"].items()}
    assert trigger["pubsub_topic"] == f"${{google_pubsub_topic.{topics[TWIN + '-telemetry']}.id}}"
    assert "cross-stack" in env(dispatcher)["TARGET_URL"]  # the L2 processor, by reference
    assert env(dispatcher)["DEAD_LETTER_TOPIC"] == f"${{google_pubsub_topic.{topics[TWIN + '-telemetry-dead-letter']}.id}}"
    assert list(functions(tf)) == ["dispatcher"]  # no connector: L2 is on Google too
    # Devices publish with the twin's publisher account; they may pull their feedback.
    assert TfTesting.to_have_resource_with_properties(text, "google_pubsub_topic_iam_member", {"role": "roles/pubsub.publisher"})
    assert len(resources(tf, "google_pubsub_subscription_iam_member")) == len(example.config.devices)
    assert public_function_refs(tf) == set()


def test_l2_functions_workflow_feedback_and_internal_iam(example) -> None:
    text, tf = example.text(f"{TWIN}-l2"), example.stack_json(f"{TWIN}-l2")
    fns = functions(tf)
    assert set(fns) == {
        "processor", "persister", "event-checker", "event-feedback",
        "event-action-high-temperature-callback", "event-action-notify-operator", "event-action-log-incident",
    }
    assert fns["processor"]["build_config"]["entry_point"] == "processor"
    assert "ProcessingObject" in fns["processor"]["build_config"]["source"]["storage_source"]["object"]
    assert fns["event-action-notify-operator"]["build_config"]["entry_point"] == "main"
    assert set(env(fns["persister"])) >= {"HOT_DATABASE", "HOT_COLLECTION", "HOT_RETENTION_DAYS", "EVENT_CHECKER_URL"}
    checker = env(fns["event-checker"])
    assert set(json.loads(checker["ACTION_URLS"])) == {"high-temperature-callback", "notify-operator", "log-incident"}
    assert "google_workflows_workflow" in checker["WORKFLOW_NAME"] and "FEEDBACK_URL" in checker
    assert "$${input.FunctionA_URL}" in resources(tf, "google_workflows_workflow")[0]["source_contents"]
    # Feedback: a per-twin topic, one filtered subscription per device, no device registry.
    subscriptions = resources(tf, "google_pubsub_subscription")
    assert {s["filter"] for s in subscriptions} == {f'attributes.device_id = "{d.id}"' for d in example.config.devices}
    assert env(fns["event-feedback"])["FEEDBACK_TOPIC"].startswith("${google_pubsub_topic.")
    # Nothing public: every function is invoked with the layer's account only.
    assert public_function_refs(tf) == set()
    assert {b["member"] for b in resources(tf, INVOKER)} == {"${google_service_account.LayerAccount_0A55AAF9.member}"}
    assert TfTesting.to_have_resource_with_properties(
        text,
        "google_project_iam_member",
        {"role": "roles/datastore.user", "condition": {"expression": f'resource.name.endsWith("/databases/{TWIN}-hot")'}},
    )


def test_l3_hot_firestore_readers_and_registry(example) -> None:
    text, tf = example.text(f"{TWIN}-l3-hot"), example.stack_json(f"{TWIN}-l3-hot")
    assert TfTesting.to_have_resource_with_properties(
        text, "google_firestore_database", {"type": "FIRESTORE_NATIVE", "name": f"{TWIN}-hot"}
    )
    orders = sorted(tuple((f["field_path"], f["order"]) for f in index["fields"]) for index in resources(tf, "google_firestore_index"))
    assert orders == [
        (("device_id", "ASCENDING"), ("timestamp", "ASCENDING")),
        (("device_id", "ASCENDING"), ("timestamp", "DESCENDING")),
    ]
    assert TfTesting.to_have_resource_with_properties(text, "google_firestore_field", {"field": "ttl", "ttl_config": {}})
    fns = functions(tf)
    assert set(fns) == {"hot-reader", "hot-reader-last-entry", "hot-to-cold"}
    public = {function_id(tf, "hot-reader"), function_id(tf, "hot-reader-last-entry")}
    assert public_function_refs(tf) == public
    # Cold is on Google: the mover writes the cold bucket directly, on a schedule, with OIDC.
    assert set(env(fns["hot-to-cold"])) >= {"COLD_BUCKET_NAME", "HOT_DATABASE", "HOT_RETENTION_DAYS"}
    job = resources(tf, "google_cloud_scheduler_job")[0]
    assert job["http_target"]["oidc_token"]["service_account_email"].startswith("${google_service_account.")
    # The AWS twin finds the readers and the token in the connection registry.
    connection = "google_l3_to_aws_l4_hot_reader"
    assert {p["name"] for p in resources(tf, "aws_ssm_parameter")} == {
        url_parameter_name(TWIN, connection), url_parameter_name(TWIN, connection, "last-entry-url")
    }
    assert TfTesting.to_have_resource_with_properties(
        text, "aws_secretsmanager_secret", {"name": token_secret_name(TWIN, connection)}
    )


def test_hot_to_cold_mover_may_only_create_and_replace_cold_objects(example) -> None:
    # Least privilege: upload + replace (a retried move rewrites its content-derived key), no read,
    # list, metadata update or restore as roles/storage.objectUser would give.
    tf = example.stack_json(f"{TWIN}-l3-hot")
    (role_key, role), = tf["resource"]["google_project_iam_custom_role"].items()
    assert sorted(role["permissions"]) == ["storage.objects.create", "storage.objects.delete"]
    (binding,) = resources(tf, "google_storage_bucket_iam_member")
    assert binding["bucket"].endswith("Cold_Bucket_191254C8name}")
    assert binding["role"] == f"${{google_project_iam_custom_role.{role_key}.name}}"
    assert binding["member"] == "${google_service_account.LayerAccount_0A55AAF9.member}"


def test_cold_and_archive_tiers_change_class_natively(example) -> None:
    cold = example.text(f"{TWIN}-l3-cold")
    assert TfTesting.to_have_resource_with_properties(
        cold,
        "google_storage_bucket",
        {
            "storage_class": "NEARLINE",
            "public_access_prevention": "enforced",
            "uniform_bucket_level_access": True,
            "lifecycle_rule": [
                {"action": {"type": "SetStorageClass", "storage_class": "ARCHIVE"}, "condition": {"age": 90}},
                {"action": {"type": "Delete"}, "condition": {"days_since_noncurrent_time": 30}},
            ],
        },
    )
    assert TfTesting.to_have_resource_with_properties(
        example.text(f"{TWIN}-l3-archive"), "google_storage_bucket", {"storage_class": "ARCHIVE"}
    )
    assert not resources(example.stack_json(f"{TWIN}-l3-cold"), FUNCTION)  # no mover, no writer


def test_names_fit_google_limits(example) -> None:
    kinds = ("google_service_account", FUNCTION, "google_storage_bucket")
    assert all(found([r for name in example.stack_names for r in resources(example.stack_json(name), kind)], kind) for kind in kinds)
    for name in example.stack_names:
        tf = example.stack_json(name)
        for account in resources(tf, "google_service_account"):
            assert re.fullmatch(r"[a-z][-a-z0-9]{4,28}[a-z0-9]", account["account_id"]), account["account_id"]
        for fn in resources(tf, FUNCTION):
            assert len(fn["name"]) <= 63
        for bucket in resources(tf, "google_storage_bucket"):
            assert re.fullmatch(r"[a-z0-9][-a-z0-9]{1,61}[a-z0-9]", bucket["name"]) and "google" not in bucket["name"]
            assert re.search(r"-[0-9a-f]{6}$", bucket["name"])  # globally unique: a stable hash


def test_function_sources_are_uploaded_assets(example) -> None:
    tf = example.stack_json(f"{TWIN}-l2")
    objects = resources(tf, "google_storage_bucket_object")
    assert objects and all(o["source"].startswith("assets/") and o["name"].endswith(".zip") for o in objects)
    for fn in found(resources(tf, FUNCTION), "functions"):
        assert fn["build_config"]["runtime"] == "python312"
        assert fn["service_config"]["service_account_email"] == "${google_service_account.LayerAccount_0A55AAF9.email}"


def test_apis_are_enabled_before_anything_else(example) -> None:
    tf = example.stack_json(f"{TWIN}-l1")
    services = {s["service"] for s in resources(tf, "google_project_service")}
    assert {"pubsub.googleapis.com", "eventarc.googleapis.com", "cloudfunctions.googleapis.com", "run.googleapis.com"} <= services
    assert all(not s["disable_on_destroy"] for s in resources(tf, "google_project_service"))
    dispatcher = resources(tf, FUNCTION)[0]
    assert all(dep.startswith("google_project_service.") for dep in dispatcher["depends_on"])


@pytest.mark.parametrize("variant", ["example", "google-l2-and-cold", "google-l1-hot-archive", "azure-twin"])
def test_bridges_exist_exactly_where_the_topology_says(gcp_synth, variant: str) -> None:
    synth = gcp_synth(variant)
    topology = synth.topology
    receivers = {
        BridgeKind.L1_TO_L2: {"ingestion"},
        BridgeKind.L2_TO_HOT: {"hot-writer"},
        BridgeKind.HOT_TO_COLD: {"cold-writer"},
        BridgeKind.COLD_TO_ARCHIVE: {"archive-writer"},
        BridgeKind.HOT_TO_L4_READER: {"hot-reader", "hot-reader-last-entry"},
        BridgeKind.L2_TO_L1_FEEDBACK: {"feedback-receiver"},
        BridgeKind.HOT_TO_L5_DASHBOARD: {"dashboard-reader", "dashboard-reader-last-entry"},
    }
    senders = {
        BridgeKind.L1_TO_L2: "connector",
        BridgeKind.L2_TO_HOT: "persister",
        BridgeKind.HOT_TO_COLD: "hot-to-cold",
        BridgeKind.COLD_TO_ARCHIVE: "cold-to-archive",
        BridgeKind.L2_TO_L1_FEEDBACK: "event-feedback",
        BridgeKind.L2_TO_TWIN_UPDATE: "persister",
    }
    published, looked_up, public, remote_senders = set(), set(), set(), set()
    for name in synth.stack_names:
        tf = synth.stack_json(name)
        fns = functions(tf)
        public |= {name for name in fns if function_id(tf, name) in public_function_refs(tf)}
        remote_senders |= {
            (name, setting) for name, fn in fns.items() for setting in env(fn) if setting.endswith("_URL")
            and setting.split("_URL")[0] in ("REMOTE", "TWIN_UPDATE", "DEVICE_FEEDBACK")
        }
        published |= {p["name"] for p in resources(tf, "aws_ssm_parameter")}
        looked_up |= {p["name"] for p in tf.get("data", {}).get("aws_ssm_parameter", {}).values()}
    expected_public, expected_published, expected_lookups, expected_senders = set(), set(), set(), set()
    for bridge in topology.bridges:
        keys = ("url", "last-entry-url") if len(receivers.get(bridge.kind, ())) == 2 else ("url",)  # a reader pair
        if bridge.receiver_cloud is Provider.GOOGLE:
            expected_public |= receivers[bridge.kind]
            if bridge.sender_cloud is Provider.AWS:  # the registry; Azure reads the stack's outputs
                expected_published |= {url_parameter_name(TWIN, bridge.connection_id, key) for key in keys}
            endpoint = synth.stacks[bridge.receiver_part or bridge.receiver_layer].outputs.endpoints[bridge.connection_id]
            assert (endpoint.last_entry_url is not None) == (keys == ("url", "last-entry-url"))
        if bridge.sender_cloud is Provider.GOOGLE and bridge.kind in senders:
            expected_senders.add((senders[bridge.kind], bridge.url_setting()))
            if bridge.receiver_cloud is Provider.AWS:
                expected_lookups.add(url_parameter_name(TWIN, bridge.connection_id))
    assert public == expected_public
    assert published == expected_published
    assert looked_up == expected_lookups
    assert remote_senders == expected_senders


def test_tokens_are_generated_and_passed_by_secret_name_only(gcp_synth) -> None:
    seen: dict[str, int] = {"google secrets": 0, "aws secrets": 0, "token settings": 0}
    for variant in ("example", "google-l2-and-cold", "google-l1-hot-archive", "azure-twin"):
        synth = gcp_synth(variant)
        for name in synth.stack_names:
            tf = synth.stack_json(name)
            seen["google secrets"] += len(resources(tf, "google_secret_manager_secret_version"))
            seen["aws secrets"] += len(resources(tf, "aws_secretsmanager_secret_version"))
            seen["token settings"] += sum("TOKEN" in key for fn in resources(tf, FUNCTION) for key in env(fn))
            for version in resources(tf, "google_secret_manager_secret_version"):
                assert re.fullmatch(
                    r"\$\{(random_password\.[\w-]+\.result|data\.aws_secretsmanager_secret_version\.[\w-]+\.secret_string"
                    r"|data\.terraform_remote_state\.[\w-]+\.outputs\.[\w-]+)\}",
                    version["secret_data"],
                )
            for version in resources(tf, "aws_secretsmanager_secret_version"):
                assert re.fullmatch(r"\$\{random_password\.[\w-]+\.result\}", version["secret_string"])
            for fn in resources(tf, FUNCTION):
                for key, value in env(fn).items():
                    if "TOKEN" in key:
                        assert key.endswith("_SECRET") and re.fullmatch(r"\$\{google_secret_manager_secret\.[\w-]+\.id\}", value)
    assert all(seen.values()), seen  # each kind of check met something to check


def test_no_secret_literal_in_any_synthesized_file(gcp_synth) -> None:
    pattern = re.compile(r"(?i)(x-inter-cloud-token\"?\s*:|\"secret_(data|string)\"\s*:\s*\"(?!\$\{))")
    for variant in ("example", "google-l2-and-cold", "google-l1-hot-archive", "azure-twin"):
        for path in found(gcp_synth(variant).tf_outdir.rglob("*"), f"files of {variant}"):
            if path.is_file() and path.suffix in (".json", ".py", ".txt", ".md"):
                assert not pattern.search(path.read_text(errors="ignore")), path


def test_google_senders_copy_the_aws_token_into_their_own_secret(gcp_synth) -> None:
    tf = gcp_synth("google-l2-and-cold").stack_json(f"{TWIN}-l2")
    secret = tf["data"]["aws_secretsmanager_secret_version"]
    assert sorted(s["secret_id"] for s in secret.values()) == [
        token_secret_name(TWIN, "google_l2_to_aws_l1_feedback"), token_secret_name(TWIN, "google_l2_to_aws_l3_hot")]
    persister = functions(tf)["persister"]
    assert "data.aws_ssm_parameter" in env(persister)["REMOTE_URL"]
    assert "data.aws_ssm_parameter" in env(functions(tf)["event-feedback"])["DEVICE_FEEDBACK_URL"]
    assert "HOT_DATABASE" not in env(persister)
    assert "aws" in tf["provider"] and tf["provider"]["aws"][0]["region"] == "eu-central-1"


def test_l4_and_l5_on_google_stay_a_config_error() -> None:
    from twin_model.clouds import CLOUDS
    from cdk_app.stacks.gcp import STACKS

    assert Layer.L4 not in STACKS and Layer.L5 not in STACKS
    assert CLOUDS[Provider.GOOGLE].layers == (Layer.L1, Layer.L2, Layer.L3_HOT, Layer.L3_COLD, Layer.L3_ARCHIVE)


def test_azure_twin_reads_google_readers_and_gets_twin_updates_by_cross_stack_reference(gcp_synth) -> None:
    synth = gcp_synth("azure-twin")
    hot = synth.stack_json(f"{TWIN}-l3-hot")
    assert "aws" not in hot.get("provider", {})  # no registry between two Terraform clouds
    endpoint = synth.stacks[Layer.L3_HOT].outputs.endpoints["google_l3_to_azure_l4_hot_reader"]
    assert endpoint.url and endpoint.last_entry_url and endpoint.token
    l2 = synth.stack_json(f"{TWIN}-l2")
    persister = functions(l2)["persister"]
    assert "terraform_remote_state" in env(persister)["TWIN_UPDATE_URL"]
    assert re.fullmatch(r"\$\{google_secret_manager_secret\.[\w-]+\.id\}", env(persister)["TWIN_UPDATE_TOKEN_SECRET"])
