"""Feedback to the device's own cloud, dashboards off the twin's cloud, and twins without L4/L5, in
synthesized Terraform (three Terraform-only synths, shared by the module).

With the AWS sides tested on the full synths of tests/aws (l1_on_azure: AWS L2 → Azure L1 feedback,
Grafana on AWS reading AWS dashboard readers) and tests/azure (the mixed example: Azure L2 → AWS L1
feedback), every L2 → L1 pair of clouds is covered:

| variant | feedback (L2 → L1) | dashboards (L4 / L5) |
|---|---|---|
| aws-l2-google-l1 | aws → google (registry) | aws / azure: Google hot readers → Azure Grafana (remote state) |
| google-pipeline | google → azure (remote state) | none / none |
| azure-l2-google-l1 | azure → google (remote state) | azure / aws: Azure hot readers → AWS Grafana (registry) |

Expected names come from docs/design.md §4 (connection ids, registry names) and the runtime's
settings contract (runtime/*/feedback*.py, dashboard readers), not from the code under test.
"""

from __future__ import annotations

import json

import pytest

from tests import found
from tests.azure.conftest import AZURE_EXAMPLE, providers
from tests.conftest import EXAMPLE, write_project
from tests.gcp.synth import GCP_EXAMPLE, TerraformSynth, synth_terraform

VARIANTS = {
    "aws-l2-google-l1": ("factory-floor", EXAMPLE, providers("google", "aws", "google", "aws", "aws", "aws", "azure")),
    "google-pipeline": ("factory-floor-gcp", GCP_EXAMPLE,
                        providers("azure", "google", "google", "google", "google", "none", "none")),
    "azure-l2-google-l1": ("factory-floor-az", AZURE_EXAMPLE,
                           providers("google", "azure", "azure", "azure", "azure", "azure", "aws")),
}
DEVICES = ("press-01", "press-02", "conveyor-01", "air-quality-01")
FUNCTION = "google_cloudfunctions2_function"
APP = "azurerm_function_app_flex_consumption"


_CACHE: dict[str, TerraformSynth] = {}


def synth_variant(name: str, tmp_path_factory) -> tuple[str, TerraformSynth]:
    """(twin name, Terraform synth) of a variant, synthesized once per session (tests/ops uses them too)."""
    twin, base, provider_map = VARIANTS[name]
    if name not in _CACHE:
        workdir = tmp_path_factory.mktemp(name)
        _CACHE[name] = synth_terraform(write_project(workdir / "project", provider_map, base=base), workdir)
    return twin, _CACHE[name]


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    return lambda name: synth_variant(name, tmp_path_factory)


def resources(tf: dict, kind: str) -> list[dict]:
    return list(tf.get("resource", {}).get(kind, {}).values())


def functions(tf: dict) -> dict[str, dict]:
    return {fn["name"]: fn for fn in resources(tf, FUNCTION)}


def app_settings(tf: dict) -> dict[str, str]:
    (app,) = resources(tf, APP)
    return app["app_settings"]


def no_secret_literal(synth: TerraformSynth, stack: str) -> None:
    """Tokens are Terraform references (random_password, data sources), never literal values; every
    stack asked about holds at least one (it receives or sends a bridge)."""
    secrets = resources(synth.stack_json(stack), "azurerm_key_vault_secret")
    versions = resources(synth.stack_json(stack), "google_secret_manager_secret_version")
    found([*secrets, *versions], f"secrets in {stack}")
    for secret in secrets:
        assert secret["value"].startswith("${"), secret
    for version in versions:
        assert version["secret_data"].startswith("${"), version


# --- 1. feedback to the device's own cloud -----------------------------------------------------------


def test_google_receives_aws_feedback_and_publishes_its_endpoint_to_the_registry(synth):
    twin, s = synth("aws-l2-google-l1")
    stack = f"{twin}-l1-feedback"
    assert stack in s.stack_names
    tf = s.stack_json(stack)
    receiver = functions(tf)[f"{twin}-feedback-receiver"]
    assert receiver["build_config"]["entry_point"] == "feedback_receiver"
    environment = receiver["service_config"]["environment_variables"]
    assert {"INBOUND_TOKEN_SECRET", "FEEDBACK_TOPIC", "FEEDBACK_SUBSCRIPTION_PREFIX"} <= set(environment)
    assert environment["FEEDBACK_SUBSCRIPTION_PREFIX"] == f"{twin}-device-feedback"
    connection = "aws_l2_to_google_l1_feedback"
    assert [p["name"] for p in resources(tf, "aws_ssm_parameter")] == [f"/{twin}/inter-cloud/{connection}/url"]
    assert [p["name"] for p in resources(tf, "aws_secretsmanager_secret")] == [f"{twin}/inter-cloud/{connection}/token"]
    no_secret_literal(s, stack)


def test_the_google_feedback_topic_has_a_filtered_subscription_per_device(synth):
    twin, s = synth("aws-l2-google-l1")
    tf = s.stack_json(f"{twin}-l1-feedback")
    (topic,) = resources(tf, "google_pubsub_topic")
    assert topic["name"] == f"{twin}-device-feedback"
    subscriptions = {sub["name"]: sub["filter"] for sub in resources(tf, "google_pubsub_subscription")}
    assert subscriptions == {f"{twin}-device-feedback-{d}": f'attributes.device_id = "{d}"' for d in DEVICES}
    # The receiver's account may publish and list the topic's subscriptions (its "known devices"), nothing more.
    assert sorted(b["role"] for b in resources(tf, "google_pubsub_topic_iam_member")) == [
        "roles/pubsub.publisher", "roles/pubsub.viewer"]


def test_google_l1_lets_the_devices_pull_their_feedback_from_the_receivers_subscriptions(synth):
    twin, s = synth("aws-l2-google-l1")
    grants = resources(s.stack_json(f"{twin}-l1"), "google_pubsub_subscription_iam_member")
    assert len(grants) == len(DEVICES)
    assert {g["role"] for g in grants} == {"roles/pubsub.subscriber"}
    assert all(f"{twin}-l1-feedback" in g["subscription"] for g in grants)  # read from the receiver's stack


def test_azure_receives_google_feedback_on_the_twins_hub(synth):
    twin, s = synth("google-pipeline")
    receiver = app_settings(s.stack_json(f"{twin}-l1-feedback"))
    assert receiver["DT_FUNCTIONS"] == "feedback_receiver"
    (hub,) = resources(s.stack_json(f"{twin}-l1"), "azurerm_iothub")
    assert receiver["IOT_HUB_HOST"] == f"{hub['name']}.azure-devices.net"  # the hub L1 creates later
    assert receiver["INBOUND_TOKEN_SECRET"] == "google-l2-to-azure-l1-feedback-token"
    no_secret_literal(s, f"{twin}-l1-feedback")


def test_azure_l1_lets_the_receiver_update_device_twins(synth):
    twin, s = synth("google-pipeline")
    grants = [g for g in resources(s.stack_json(f"{twin}-l1"), "azurerm_role_assignment")
              if g["role_definition_name"] == "IoT Hub Twin Contributor"]
    assert len(grants) == 1 and f"{twin}-l1-feedback" in grants[0]["principal_id"]


def test_google_l2_sends_feedback_to_azure_l1_and_has_no_topic_of_its_own(synth):
    twin, s = synth("google-pipeline")
    tf = s.stack_json(f"{twin}-l2")
    environment = functions(tf)[f"{twin}-event-feedback"]["service_config"]["environment_variables"]
    assert environment["DEVICE_FEEDBACK_URL"].endswith("/api/feedback-receiver")
    assert f"{twin}-l1-feedback" in environment["DEVICE_FEEDBACK_URL"]  # the receiver's stack output
    assert "DEVICE_FEEDBACK_TOKEN_SECRET" in environment and "FEEDBACK_TOPIC" not in environment
    assert resources(tf, "google_pubsub_topic") == []


def test_azure_l2_sends_feedback_to_google_l1_instead_of_an_iot_hub_it_does_not_have(synth):
    twin, s = synth("azure-l2-google-l1")
    settings = app_settings(s.stack_json(f"{twin}-l2"))
    assert "IOT_HUB_HOST" not in settings  # the predecessor's failure: no hub on L2's cloud
    assert settings["DEVICE_FEEDBACK_TOKEN_SECRET"] == "azure-l2-to-google-l1-feedback-token"
    assert f"{twin}-l1-feedback" in settings["DEVICE_FEEDBACK_URL"] and "feedback" in settings["DT_FUNCTIONS"].split(",")
    receiver = functions(s.stack_json(f"{twin}-l1-feedback"))[f"{twin}-feedback-receiver"]
    assert receiver["build_config"]["entry_point"] == "feedback_receiver"
    no_secret_literal(s, f"{twin}-l2")


# --- 2. dashboards wherever the twin is ----------------------------------------------------------------


def test_google_hot_serves_azure_grafana_from_dashboard_readers_of_its_own(synth):
    twin, s = synth("aws-l2-google-l1")
    readers = functions(s.stack_json(f"{twin}-l3-hot"))
    dashboard = {name: fn for name, fn in readers.items() if "dashboard-reader" in name}
    assert {name: fn["build_config"]["entry_point"] for name, fn in dashboard.items()} == {
        f"{twin}-dashboard-reader": "hot_reader", f"{twin}-dashboard-reader-last-entry": "hot_reader_last_entry"}
    tokens = {fn["service_config"]["environment_variables"]["INBOUND_TOKEN_SECRET"] for fn in dashboard.values()}
    twin_token = readers[f"{twin}-hot-reader"]["service_config"]["environment_variables"]["INBOUND_TOKEN_SECRET"]
    assert len(tokens) == 1 and twin_token not in tokens  # one token per connection


def test_azure_grafana_reads_the_dashboard_connection_from_its_outputs_and_its_own_vault(synth):
    twin, s = synth("aws-l2-google-l1")
    stack = f"{twin}-l5"
    tf = s.stack_json(stack)
    assert set(tf["output"]) == {"dashboard_reader_url", "dashboard_reader_last_entry_url"}
    assert all(f"{twin}-l3-hot" in output["value"] for output in tf["output"].values())
    (copied,) = resources(tf, "azurerm_key_vault_secret")
    assert copied["name"] == "google-l3-hot-to-azure-l5-dashboard-token"
    no_secret_literal(s, stack)
    (source,) = json.loads((s.tf_outdir / "stacks" / stack / "grafana" / "datasources.json").read_text())["datasources"]
    (vault,) = resources(tf, "azurerm_key_vault")
    assert source == {
        "uid": "dt-hot-readers", "name": f"{twin} hot data", "type": "yesoreyeram-infinity-datasource",
        "url_output": "dashboard_reader_url", "last_entry_url_output": "dashboard_reader_last_entry_url",
        "header": "X-Inter-Cloud-Token", "token_vault": vault["name"],
        "token_secret": "google-l3-hot-to-azure-l5-dashboard-token",
    }


def test_azure_hot_publishes_dashboard_readers_for_aws_grafana_to_the_registry(synth):
    twin, s = synth("azure-l2-google-l1")
    tf = s.stack_json(f"{twin}-l3-hot")
    settings = app_settings(tf)
    assert "dashboard_reader" in settings["DT_FUNCTIONS"].split(",")
    assert settings["DASHBOARD_TOKEN_SECRET"] == "azure-l3-hot-to-aws-l5-dashboard-token"
    connection = "azure_l3_hot_to_aws_l5_dashboard"
    assert sorted(p["name"] for p in resources(tf, "aws_ssm_parameter")) == [
        f"/{twin}/inter-cloud/{connection}/last-entry-url", f"/{twin}/inter-cloud/{connection}/url"]
    urls = {p["name"].rsplit("/", 1)[1]: p["value"] for p in resources(tf, "aws_ssm_parameter")}
    assert urls["url"].endswith("/api/dashboard-reader") and urls["last-entry-url"].endswith("/api/dashboard-reader-last-entry")


# --- 3. twins without L4 and L5 -----------------------------------------------------------------------


def test_a_pipeline_without_twin_model_and_dashboards_has_no_stack_or_bridge_for_them(synth):
    twin, s = synth("google-pipeline")
    assert s.stack_names == sorted(f"{twin}-{suffix}" for suffix in
                                   ("l1", "l1-feedback", "l2", "l3-hot", "l3-cold", "l3-archive"))
    assert {b.connection_id for b in s.topology.bridges} == {"azure_l1_to_google_l2", "google_l2_to_azure_l1_feedback"}
    hot = functions(s.stack_json(f"{twin}-l3-hot"))
    assert not any("reader" in name for name in hot)  # no twin and no dashboards to read for
