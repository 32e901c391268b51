"""Each bridge with an Azure side appears exactly when the topology says, with docs/design.md §4's names,
and no synthesized file holds a secret."""

from __future__ import annotations

import json
import re

import pytest

from twin_model.config.model import Provider
from constructs_lib.azure.inter_cloud_receiver import vault_secret_name
from twin_contract.registry import token_secret_name, url_parameter_name
from tests import found
from tests.azure.conftest import VARIANTS

SYNTHS = ["example", "mixed", *VARIANTS]


@pytest.fixture(scope="module", params=SYNTHS)
def synth(request, azure_example, mixed_example, variant):
    return {"example": azure_example, "mixed": mixed_example}.get(request.param) or variant(request.param)


def azure_stacks(synth):
    return {synth.topology.stack_name(layer): synth.terraform(synth.topology.stack_name(layer))
            for layer in synth.topology.layers_on(Provider.AZURE)}


def test_receivers_and_senders_exist_exactly_where_the_topology_puts_them(synth):
    twin, topology = synth.config.name, synth.topology
    for name, tf in azure_stacks(synth).items():
        resource, data = tf.get("resource", {}), tf.get("data", {})
        published = {p["name"] for p in resource.get("aws_ssm_parameter", {}).values()}
        read = {p["name"] for p in data.get("aws_ssm_parameter", {}).values()}
        vault_secrets = {s["name"] for s in resource.get("azurerm_key_vault_secret", {}).values()}
        expected_published, expected_read, expected_tokens = set(), set(), set()
        for bridge in topology.bridges:
            keys = ("url", "last-entry-url") if bridge.kind.value == "l3_to_l4_hot_reader" else ("url",)
            if topology.stack_name(bridge.receiver_layer) == name and bridge.receiver_cloud is Provider.AZURE:
                expected_tokens.add(vault_secret_name(bridge.connection_id))
                if bridge.sender_cloud is Provider.AWS:
                    expected_published |= {url_parameter_name(twin, bridge.connection_id, k) for k in keys}
            if topology.stack_name(bridge.sender_layer) == name and bridge.sender_cloud is Provider.AZURE:
                expected_tokens.add(vault_secret_name(bridge.connection_id))
                if bridge.receiver_cloud is Provider.AWS:
                    expected_read |= {url_parameter_name(twin, bridge.connection_id, k) for k in keys}
        assert published == expected_published, name
        assert read == expected_read, name
        assert {s for s in vault_secrets if s.endswith("-token") and "_" not in s and s.count("-") > 4} == expected_tokens


def test_registry_tokens_are_generated_in_terraform_and_never_literal(synth):
    twin = synth.config.name
    for name, tf in azure_stacks(synth).items():
        resource = tf.get("resource", {})
        for secret in resource.get("aws_secretsmanager_secret", {}).values():
            assert secret["name"].startswith(f"{twin}/inter-cloud/") and secret["name"].endswith("/token")
        for version in resource.get("aws_secretsmanager_secret_version", {}).values():
            assert re.fullmatch(r"\$\{random_password\.[\w-]+\.result\}", version["secret_string"])
        for secret in resource.get("azurerm_key_vault_secret", {}).values():
            assert secret["value"].startswith("${") and secret["value"].endswith("}"), (name, secret["name"])
        for password in resource.get("random_password", {}).values():
            assert password["length"] >= 32 and password["special"] is False
        if resource.get("aws_ssm_parameter") or tf.get("data", {}).get("aws_ssm_parameter"):
            assert "aws" in tf["provider"]


def test_app_settings_name_secrets_but_never_hold_them(synth):
    for name, tf in azure_stacks(synth).items():
        for app in tf.get("resource", {}).get("azurerm_function_app_flex_consumption", {}).values():
            for key, value in app["app_settings"].items():
                assert not re.search(r"random_password|secret_string|callback_url|connection_string|primary_key",
                                     value), (name, key)
                if key.endswith("TOKEN_SECRET"):
                    assert re.fullmatch(r"[a-z0-9-]+", value), (name, key, value)


def test_no_secret_literal_in_any_synthesized_file(synth):
    pattern = re.compile(r"(AccountKey=|SharedAccessKey=|sig=|-----BEGIN|\"password\"\s*:\s*\"[^$])")
    for path in found((synth.tf_outdir / "stacks").rglob("*.json"), "Terraform JSON files"):
        assert not pattern.search(path.read_text()), path


def test_sender_to_aws_reads_the_registry(mixed_example):
    # mixed: azure hot → aws cold: the Azure mover reads the AWS cold writer's URL and token.
    tf = mixed_example.terraform("factory-floor-mix-l3-hot")
    conn = "azure_l3_hot_to_aws_l3_cold"
    secret = next(iter(tf["data"]["aws_secretsmanager_secret_version"].values()))
    assert secret["secret_id"] == token_secret_name("factory-floor-mix", conn)
    app = next(iter(tf["resource"]["azurerm_function_app_flex_consumption"].values()))
    assert app["app_settings"]["REMOTE_URL"].startswith("${data.aws_ssm_parameter.")
    assert app["app_settings"]["REMOTE_TOKEN_SECRET"] == vault_secret_name(conn)


def test_hot_reader_receiver_publishes_both_urls(mixed_example):
    tf = mixed_example.terraform("factory-floor-mix-l3-hot")
    values = {p["name"]: p["value"] for p in tf["resource"]["aws_ssm_parameter"].values()}
    conn = "azure_l3_to_aws_l4_hot_reader"
    assert values[url_parameter_name("factory-floor-mix", conn)].endswith("/api/hot-reader")
    assert values[url_parameter_name("factory-floor-mix", conn, "last-entry-url")].endswith("/api/hot-reader-last-entry")


def test_cross_stack_reads_become_sensitive_remote_state_outputs(azure_example):
    # No GCP stacks here; Azure→Azure references use the same mechanism as a GCP↔Azure bridge: an
    # attribute of a built stack read by a later one becomes an output (docs/terrain-bridges.md).
    hot = azure_example.terraform("factory-floor-az-l3-hot")
    outputs = json.dumps(hot.get("output", {}))
    assert "cosmosdb_account" in outputs
    assert all(o.get("sensitive") for o in hot.get("output", {}).values())
