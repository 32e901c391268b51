"""Every Azure layer synthesizes into a complete Terraform stack (all-Azure and mixed variants)."""

from __future__ import annotations

import json
import re

import pytest
from cdktn import Testing as TfTesting

from twin_model.config.model import Layer
from tests import found
from tests.azure.conftest import AZURE_EXAMPLE, resources, tf_text
from tests.conftest import Synthesized, synthesize_project, write_project

TWIN = "factory-floor-az"
LAYERS = ("l1", "l2", "l3-hot", "l3-cold", "l3-archive", "l4", "l5")


def stack(layer: str, twin: str = TWIN) -> str:
    return f"{twin}-{layer}"


def has(text: str, kind: str, properties: dict) -> bool:
    return TfTesting.to_have_resource_with_properties(text, kind, properties)


@pytest.mark.parametrize("layer", LAYERS)
def test_every_layer_has_its_group_identity_provider_and_remote_state(azure_example, layer):
    tf = azure_example.terraform(stack(layer))
    text = json.dumps(tf)
    assert "azurerm" in tf["provider"] and "azurerm" in tf["terraform"]["backend"]
    assert has(text, "azurerm_resource_group", {"name": f"{TWIN}-{layer}-rg", "location": "westeurope",
                                                 "tags": {"digital-twin": TWIN, "digital-twin-layer": layer}})
    assert has(text, "azurerm_user_assigned_identity", {"name": f"{TWIN}-{layer}-id"})


# Layers of the Azure example that run functions; the others (lifecycle rules, ADT, Grafana) log nothing.
FUNCTION_LAYERS = ("l1", "l2", "l3-hot")


@pytest.fixture(scope="module")
def azure_production(tmp_path_factory) -> Synthesized:
    """The Azure example in PRODUCTION mode (every example project is DEBUG)."""
    workdir = tmp_path_factory.mktemp("azure-production")
    config = json.loads((AZURE_EXAMPLE / "config.json").read_text())
    project = write_project(workdir / "project", base=AZURE_EXAMPLE, config={**config, "mode": "PRODUCTION"})
    return synthesize_project(project, workdir)


@pytest.mark.parametrize(("mode", "days"), [("DEBUG", 30), ("PRODUCTION", 90)])
def test_function_logs_are_kept_by_mode(azure_example, azure_production, mode, days):
    """As AWS keeps its log groups 1 week / 3 months: 30 days (Log Analytics' minimum) / 90 days."""
    synth = azure_example if mode == "DEBUG" else azure_production
    for layer in LAYERS:
        workspaces = resources(synth, stack(layer), "azurerm_log_analytics_workspace")
        if layer not in FUNCTION_LAYERS:
            assert workspaces == {} and resources(synth, stack(layer), "azurerm_application_insights") == {}
            continue
        ((workspace_id, workspace),) = workspaces.items()
        assert (workspace["sku"], workspace["retention_in_days"]) == ("PerGB2018", days)
        ((insights_id, insights),) = resources(synth, stack(layer), "azurerm_application_insights").items()
        assert insights["workspace_id"] == f"${{azurerm_log_analytics_workspace.{workspace_id}.id}}"
        (app,) = resources(synth, stack(layer), "azurerm_function_app_flex_consumption").values()
        assert app["site_config"]["application_insights_connection_string"] == (
            f"${{azurerm_application_insights.{insights_id}.connection_string}}"
        )


def test_l1_iot_hub_events_reach_the_dispatcher_queue(azure_example):
    text = tf_text(azure_example, stack("l1"))
    assert has(text, "azurerm_iothub", {"sku": {"name": "S1", "capacity": 1}, "min_tls_version": "1.2"})
    assert has(text, "azurerm_eventgrid_system_topic", {"topic_type": "Microsoft.Devices.IoTHubs"})
    assert has(text, "azurerm_eventgrid_system_topic_event_subscription", {
        "included_event_types": ["Microsoft.Devices.DeviceTelemetry"],
        "storage_queue_endpoint": {"queue_name": "telemetry"},
        "storage_blob_dead_letter_destination": {"storage_blob_container_name": "telemetry-deadletter"},
    })
    assert has(text, "azurerm_storage_queue", {"name": "telemetry"})
    app = next(iter(resources(azure_example, stack("l1"), "azurerm_function_app_flex_consumption").values()))
    assert app["app_settings"]["DT_FUNCTIONS"] == "dispatcher"
    # L2 on Azure too: the dispatcher enqueues into L2's processor queue (cross-stack reference).
    assert "terraform_remote_state" in app["app_settings"]["TARGET_QUEUE_URL"]
    assert has(text, "azurerm_role_assignment", {"role_definition_name": "Storage Queue Data Message Sender"})
    # Feedback on: L1 grants L2 device-twin updates; it writes nothing into L2's resources.
    assert has(text, "azurerm_role_assignment", {"role_definition_name": "IoT Hub Twin Contributor"})
    # Its vault holds the two enrollment keys, made at deploy time (random_bytes), nothing else.
    secrets = resources(azure_example, stack("l1"), "azurerm_key_vault_secret").values()
    assert sorted(s["name"] for s in secrets) == ["device-enrollment-primary", "device-enrollment-secondary"]
    assert all(s["value"].startswith("${random_bytes.") and s["value"].endswith(".base64}") for s in secrets)
    # L2 (deployed first) knows the hub's host: Azure serves a hub at <hub name>.azure-devices.net.
    hub_name = next(iter(resources(azure_example, stack("l1"), "azurerm_iothub").values()))["name"]
    l2_app = next(iter(resources(azure_example, stack("l2"), "azurerm_function_app_flex_consumption").values()))
    assert l2_app["app_settings"]["IOT_HUB_HOST"] == f"{hub_name}.azure-devices.net"


def test_l1_writes_the_hub_manifest_for_the_onboarding_step_and_names_no_device(azure_example):
    folder = azure_example.tf_outdir / "stacks" / stack("l1")
    manifest = json.loads((folder / "iot" / "hub.json").read_text())
    assert manifest["iot_hub_name"].startswith(f"{TWIN}-iothub-")
    account = next(a["name"] for a in resources(azure_example, stack("l1"), "azurerm_storage_account").values())
    assert manifest["job_container"] == f"https://{account}.blob.core.windows.net/device-identities"
    vault = next(iter(resources(azure_example, stack("l1"), "azurerm_key_vault").values()))
    assert manifest["key_vault"] == vault["name"]
    texts = [p.read_text() for p in folder.rglob("*.json")]
    assert not any(f'"{d.id}"' in text for d in azure_example.config.devices for text in texts)


def test_the_hub_runs_bulk_jobs_in_its_own_container_as_itself(azure_example):
    text = tf_text(azure_example, stack("l1"))
    (hub,) = resources(azure_example, stack("l1"), "azurerm_iothub").values()
    assert hub["identity"] == {"type": "SystemAssigned"}
    (container_key, container), = [(k, c) for k, c in resources(azure_example, stack("l1"), "azurerm_storage_container").items()
                                   if c["name"] == "device-identities"]
    grants = [g for g in resources(azure_example, stack("l1"), "azurerm_role_assignment").values()
              if g["scope"] == f"${{azurerm_storage_container.{container_key}.id}}"]
    assert {g["role_definition_name"] for g in grants} == {"Storage Blob Data Contributor"}
    assert sorted(g["principal_id"].split(".")[0] for g in grants) == ["${azurerm_iothub", "${data"]
    assert has(text, "azurerm_storage_container", {"name": "device-identities", "container_access_type": "private"})


def test_l2_function_app_is_flex_consumption_python(azure_example):
    text = tf_text(azure_example, stack("l2"))
    assert has(text, "azurerm_service_plan", {"sku_name": "FC1", "os_type": "Linux"})
    assert has(text, "azurerm_function_app_flex_consumption", {
        "runtime_name": "python", "runtime_version": "3.11", "https_only": True,
        "storage_authentication_type": "UserAssignedIdentity",
        "identity": {"type": "UserAssigned"},
    })
    app = next(iter(resources(azure_example, stack("l2"), "azurerm_function_app_flex_consumption").values()))
    assert app["app_settings"]["DT_FUNCTIONS"] == "processor,persister,event_checker,event_action,feedback"
    assert app["zip_deploy_file"].startswith("assets/")
    for queue in ("processor", "persister", "event-checker", "event-actions", "feedback"):
        assert has(text, "azurerm_storage_queue", {"name": queue})
    # The persister writes Cosmos (L3) and updates twins (L4), both deployed before L2.
    assert has(text, "azurerm_cosmosdb_sql_role_assignment", {})
    assert has(text, "azurerm_role_assignment", {"role_definition_name": "Azure Digital Twins Data Owner"})
    assert "terraform_remote_state" in app["app_settings"]["ADT_URL"]


def test_l2_with_l1_elsewhere_sends_device_feedback_over_the_feedback_bridge(mixed_example):
    # L1 on AWS: no hub to patch device twins in; the feedback function starts in bridge mode
    # (DEVICE_FEEDBACK_URL and its token secret, runtime/azure/functions/feedback.py) and sends to
    # the feedback receiver of L1's cloud, never with an IOT_HUB_HOST it could not reach.
    app = next(iter(resources(mixed_example, "factory-floor-mix-l2", "azurerm_function_app_flex_consumption").values()))
    settings = app["app_settings"]
    assert "feedback" in settings["DT_FUNCTIONS"].split(",")
    assert "IOT_HUB_HOST" not in settings
    assert {"DEVICE_FEEDBACK_URL", "DEVICE_FEEDBACK_TOKEN_SECRET"} <= set(settings)


def test_l2_logic_app_comes_from_the_projects_definition(azure_example):
    text = tf_text(azure_example, stack("l2"))
    assert has(text, "azurerm_logic_app_workflow", {"name": f"{TWIN}-l2-event-workflow"})
    (trigger,) = resources(azure_example, stack("l2"), "azurerm_logic_app_trigger_custom").values()
    body = json.loads(trigger["body"])
    assert (trigger["name"], body["type"], body["inputs"]["method"]) == ("manual", "Request", "POST")
    # The request carries the event-action token: run history must not show it.
    assert body["runtimeConfiguration"]["secureData"]["properties"] == ["inputs", "outputs"]
    actions = resources(azure_example, stack("l2"), "azurerm_logic_app_action_custom")
    assert sorted(a["name"] for a in actions.values()) == ["FunctionA", "FunctionB"]
    # The callback URL (SAS-signed) goes to Key Vault, not to an app setting.
    assert has(text, "azurerm_key_vault_secret", {"name": "event-workflow-url"})
    app = next(iter(resources(azure_example, stack("l2"), "azurerm_function_app_flex_consumption").values()))
    assert app["app_settings"]["WORKFLOW_URL_SECRET"] == "event-workflow-url"
    assert not any("callback_url" in value for value in app["app_settings"].values())


def test_l2_bundle_holds_processors_rules_and_azure_actions(azure_example):
    staged = azure_example.outdir / ".bundles" / "azure-processing"
    assert (staged / "function_app.py").is_file() and (staged / "host.json").is_file()
    assert (staged / "project" / "processors" / "press-01" / "process.py").is_file()
    assert (staged / "project" / "config_events.json").is_file()
    assert (staged / "project" / "event_actions" / "notify-operator" / "action.py").is_file()
    assert not (staged / "runtime" / "aws").exists()


def test_l3_hot_is_serverless_cosmos_partitioned_by_device(azure_example):
    text = tf_text(azure_example, stack("l3-hot"))
    assert has(text, "azurerm_cosmosdb_account", {
        "capabilities": [{"name": "EnableServerless"}], "local_authentication_enabled": False,
        "consistency_policy": {"consistency_level": "Session"},
    })
    assert has(text, "azurerm_cosmosdb_sql_container", {
        "partition_key_paths": ["/device_id"], "default_ttl": (30 + 2) * 86400,
    })
    app = next(iter(resources(azure_example, stack("l3-hot"), "azurerm_function_app_flex_consumption").values()))
    assert app["app_settings"]["DT_FUNCTIONS"] == "hot_reader,hot_to_cold"
    # Cold is on Azure: the mover writes blobs into the cold container (no bridge).
    assert "COLD_CONTAINER_URL" in app["app_settings"] and "REMOTE_URL" not in app["app_settings"]
    assert has(text, "azurerm_key_vault_secret", {"name": "dashboard-reader-token"})


def test_l1_event_grid_may_send_to_the_telemetry_queue_only(azure_example):
    # Least privilege: the queue-sender role on the telemetry queue, not on the host storage account.
    (queue,) = [key for key, q in resources(azure_example, stack("l1"), "azurerm_storage_queue").items()
                if q["name"] == "telemetry"]
    (grant,) = [g for g in resources(azure_example, stack("l1"), "azurerm_role_assignment").values()
                if g["role_definition_name"] == "Storage Queue Data Message Sender"
                and "azurerm_eventgrid_system_topic." in g["principal_id"]]
    assert grant["scope"] == f"${{azurerm_storage_queue.{queue}.id}}"


def test_cosmos_data_roles_are_scoped_to_the_hot_container(azure_example, mixed_example):
    # The functions touch one container (runtime/azure/cosmos_store.py): no account-wide data role.
    hot = azure_example.terraform(stack("l3-hot"))["resource"]
    (account,), (database,), (container,) = (hot[kind] for kind in (
        "azurerm_cosmosdb_account", "azurerm_cosmosdb_sql_database", "azurerm_cosmosdb_sql_container"))
    (grant,) = hot["azurerm_cosmosdb_sql_role_assignment"].values()
    assert grant["scope"] == (f"${{azurerm_cosmosdb_account.{account}.id}}/dbs/${{azurerm_cosmosdb_sql_database.{database}.name}}"
                              f"/colls/${{azurerm_cosmosdb_sql_container.{container}.name}}")
    # The L2 persister's grant (cross-stack) has the same container scope, in both examples.
    for synth, twin in ((azure_example, TWIN), (mixed_example, "factory-floor-mix")):
        grants = [grant for layer in ("l2", "l3-hot")
                  for grant in resources(synth, stack(layer, twin), "azurerm_cosmosdb_sql_role_assignment").values()]
        for grant in found(grants, f"Cosmos DB role assignments of {twin}"):
            assert re.fullmatch(r"\$\{[^}]*Hot_Account_[\w.]+id\}/dbs/\$\{[^}]*Hot_Database_[\w.]+name\}"
                                r"/colls/\$\{[^}]*Hot_Container_[\w.]+name\}", grant["scope"]), grant["scope"]


def test_l3_cold_and_archive_share_one_account_tiered_by_lifecycle(azure_example):
    archive = tf_text(azure_example, stack("l3-archive"))
    assert has(archive, "azurerm_storage_account", {"access_tier": "Cool", "shared_access_key_enabled": False,
                                                    "min_tls_version": "TLS1_2"})
    assert has(archive, "azurerm_storage_management_policy", {"rule": [{
        "name": "cold-to-archive", "filters": {"prefix_match": ["cold/"], "blob_types": ["blockBlob"]},
        "actions": {"base_blob": {"tier_to_archive_after_days_since_modification_greater_than": 90}},
    }]})
    cold = azure_example.terraform(stack("l3-cold"))
    container = next(iter(cold["resource"]["azurerm_storage_container"].values()))
    assert container["name"] == "cold" and "terraform_remote_state" in container["storage_account_id"]
    assert "azurerm_function_app_flex_consumption" not in cold["resource"]  # no mover: native tiering


def test_l4_digital_twins_and_generated_dtdl(azure_example):
    text = tf_text(azure_example, stack("l4"))
    assert has(text, "azurerm_digital_twins_instance", {"identity": {"type": "SystemAssigned"}})
    folder = azure_example.tf_outdir / "stacks" / stack("l4")
    assert not (folder / "adt" / "models.json").exists() and not (folder / "adt" / "twins.json").exists()
    assert not any(f'"{d.id}' in text for d in azure_example.config.devices)  # the graph is data
    from twin_model.config.adt_graph import twin_model

    models, twins = twin_model(azure_example.config)
    assert len(models) == 3 + 1  # the Entity interface and one model per device schema (the presses share one)
    assert all(re.fullmatch(r"dtmi:[A-Za-z0-9_:]+;1", m["@id"]) for m in models)
    ids = {t["$dtId"] for t in twins["twins"]}
    assert {d.id for d in azure_example.config.devices} <= ids and "plant-linz" in ids
    assert {"$sourceId": "press-01-station", "$targetId": "press-01"}.items() <= next(
        r for r in twins["relationships"] if r["$targetId"] == "press-01").items()
    # Import jobs (large graphs): the instance's identity and the deployer may use one container, nothing wider.
    tf = azure_example.terraform(stack("l4"))
    containers = {key: c for key, c in tf["resource"]["azurerm_storage_container"].items() if c["name"] == "graph-import"}
    (container_key,) = containers
    grants = [g for g in tf["resource"]["azurerm_role_assignment"].values() if container_key in g["scope"]]
    assert sorted(g["role_definition_name"] for g in grants) == ["Storage Blob Data Contributor"] * 2
    assert {g["scope"] for g in grants} == {f"${{azurerm_storage_container.{container_key}.id}}"}
    (instance_key,) = tf["resource"]["azurerm_digital_twins_instance"]
    assert f"${{azurerm_digital_twins_instance.{instance_key}.identity[0].principal_id}}" in {g["principal_id"] for g in grants}
    assert "${data.azurerm_client_config.client.object_id}" in {g["principal_id"] for g in grants}  # the deployer
    assert re.fullmatch(r"\$\{azurerm_storage_account\.GraphImport_\w+\.primary_blob_endpoint\}graph-import",
                        tf["output"]["graph_import_container_url"]["value"])
    assert has(text, "azurerm_storage_management_policy", {"rule": [{
        "name": "import-files-expire", "filters": {"prefix_match": ["graph-import/"], "blob_types": ["blockBlob", "appendBlob"]},
        "actions": {"base_blob": {"delete_after_days_since_modification_greater_than": 30}},
    }]})


def test_l5_grafana_reads_the_twin_only(azure_example):
    text = tf_text(azure_example, stack("l5"))
    assert has(text, "azurerm_dashboard_grafana", {"grafana_major_version": "11", "identity": {"type": "SystemAssigned"}})
    assert has(text, "azurerm_role_assignment", {"role_definition_name": "Azure Digital Twins Data Reader"})
    assert has(text, "azurerm_role_assignment", {"role_definition_name": "Grafana Admin"})
    grants = resources(azure_example, stack("l5"), "azurerm_role_assignment").values()
    assert not any(g["role_definition_name"] in ("Owner", "Contributor") for g in grants)
    sources = json.loads((azure_example.tf_outdir / "stacks" / stack("l5") / "grafana" / "datasources.json").read_text())
    assert sources["datasources"][0]["token_secret"] == "dashboard-reader-token"


def test_global_names_follow_azure_rules(azure_example):
    for layer in LAYERS:
        tf = azure_example.terraform(stack(layer))
        for account in tf["resource"].get("azurerm_storage_account", {}).values():
            assert re.fullmatch(r"[a-z0-9]{3,24}", account["name"])
        for vault in tf["resource"].get("azurerm_key_vault", {}).values():
            assert re.fullmatch(r"[A-Za-z](?!.*--)[A-Za-z0-9-]{1,22}[A-Za-z0-9]", vault["name"])


def test_layers_without_an_azure_twin_are_not_built(mixed_example):
    stacks = {p.name for p in (mixed_example.tf_outdir / "stacks").iterdir()}
    azure = {f"factory-floor-mix-{layer.value}" for layer in Layer if mixed_example.topology.cloud(layer).value == "azure"}
    assert stacks == azure
