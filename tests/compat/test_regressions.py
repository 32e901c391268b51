"""Issue #23 (5): three predecessor projects this project had refused again, each a fixture in the
predecessor's newer format written here (tests/compat/fixtures/regression_*), synthesized once.

- `regression_const_names`: device `constProperties` named `serial-number` while the project's
  own DTDL gives two of three devices their twin: refused before; now the bound devices keep
  their names (they never become DTDL names) and the third device's generated model holds them
  mapped, with a warning. Hot storage only (cold and archive `none`).
- `regression_component_humidity`: a TwinMaker component declaring `humidity` next to the
  `temperature` its device sends: a warning. Hot storage only, on AWS.
- `regression_adt_only`: the predecessor's e2e twin that is only an Azure Digital Twins
  instance (L1-L3 and L5 `none`): one L4 stack, the models and twins, nothing else.
Expected names come from the DTDL mapping rule in the README (hand-applied), not from the code.
"""

from __future__ import annotations

import json

import pytest

from twin_model.config.model import Layer
from tests.aws import cfn_lint_errors, resources_of_type

REGRESSIONS = ("regression_const_names", "regression_component_humidity", "regression_adt_only")


def warning_lines(run, file: str) -> list[str]:
    return [line for line in run.stderr.splitlines() if line.startswith(f"  - {file} ")]


def stack_names(run) -> set[str]:
    return {p.name.removesuffix(".template.json") for p in run.outdir.glob("*.template.json")
            if not p.name.endswith(".nested.template.json")} | {
        p.parent.name for p in run.tf_outdir.glob("stacks/*/cdk.tf.json")}


@pytest.mark.parametrize("name", REGRESSIONS)
def test_each_regression_fixture_synthesizes(synthesized, name):
    run = synthesized(name)
    assert run.code == 0, run.stderr[-3000:]


def test_bound_devices_keep_their_names_and_a_generated_model_maps_them(synthesized):
    run = synthesized("regression_const_names")
    assert stack_names(run) == {f"const-names-{s}" for s in ("l1", "l2", "l3-hot", "l4")}
    models, graph = run.twin_graph()
    twins = {t["$dtId"]: t for t in graph["twins"]}
    generated = next(m for m in models if m["@id"] == twins["door-sensor"]["$metadata"]["$model"])
    assert {c["name"] for c in generated["contents"]} == {"iotDeviceId", "lastUpdate", "open_count", "serial_number"}
    assert not any(":device:" in twins[c]["$metadata"]["$model"] for c in ("chiller-1", "chiller-2"))  # the user's models
    assert twins["door-sensor"]["serial_number"] == "DS-0107" and twins["door-sensor"]["open_count"] == 0
    assert "serial-number" not in json.dumps(twins)
    from runtime.azure.digital_twins import twin_patch

    record = {"device_id": "d", "timestamp": "2026-01-01T00:00:00.000Z", "open-count": 3}
    assert {op["path"] for op in twin_patch(record, run.declared("door-sensor"))} == {"/open_count", "/lastUpdate"}
    warned = warning_lines(run, "config_iot_devices.json")
    assert any("$[2].constProperties[0].name: stored as 'serial_number'" in line for line in warned)
    assert not any("$[0]." in line or "$[1]." in line for line in warned)  # bound devices: nothing to map


def test_no_cold_tier_means_no_mover_on_azure(synthesized):
    hot = synthesized("regression_const_names").terraform("const-names-l3-hot")
    settings = json.dumps(hot)
    assert "COLD_CONTAINER_URL" not in settings and "hot_to_cold" not in settings.lower()


def test_component_property_its_device_does_not_send_is_a_warning(synthesized):
    run = synthesized("regression_component_humidity")
    (line,) = warning_lines(run, "twin_hierarchy/aws_hierarchy.json")
    assert "$[0].children[0].properties[1].name: not shown: device 'bed-sensor-1' does not send 'humidity'" in line
    (definitions,) = [t["propertyDefinitions"] for t in run.twinmaker().component_types.values()]
    assert "temperature" in definitions and "humidity" not in definitions


def test_hot_storage_without_cold_expires_by_ttl_and_moves_nothing(synthesized):
    run = synthesized("regression_component_humidity")
    template = run.template("greenhouse-l3-hot")
    (table,) = resources_of_type(template, "AWS::DynamoDB::Table").values()
    assert table["Properties"]["TimeToLiveSpecification"] == {"AttributeName": "ttl", "Enabled": True}
    assert resources_of_type(template, "AWS::Events::Rule") == {}  # no scheduled mover
    assert not any("mover" in name for name in json.dumps(template["Resources"]).lower().split('"'))
    assert stack_names(run) == {f"greenhouse-{s}" for s in ("l1", "l2", "l3-hot", "l4")}


@pytest.mark.parametrize("layer", [Layer.L3_HOT, Layer.L4])
def test_aws_stacks_of_the_hot_only_twin_pass_nag_and_cfn_lint(synthesized, layer):
    run = synthesized("regression_component_humidity")
    stack_name = f"greenhouse-{layer.value}"
    assert run.nag[stack_name] == []
    assert cfn_lint_errors(run.template(stack_name)) == []


def test_a_twin_that_is_only_azure_digital_twins(synthesized):
    run = synthesized("regression_adt_only")
    assert stack_names(run) == {"adt-only-l4"}
    l4 = run.terraform("adt-only-l4")
    assert set(l4["resource"]) == {"azurerm_resource_group", "azurerm_user_assigned_identity",
                                   "azurerm_digital_twins_instance", "azurerm_monitor_action_group",
                                   # the import jobs' container (large graphs), its files' expiry, the instance's and
                                   # the deployer's roles on it
                                   "azurerm_storage_account", "azurerm_storage_container", "azurerm_role_assignment",
                                   "azurerm_storage_management_policy"}
    models, graph = run.twin_graph()
    assert {m["@id"] for m in models} >= {"dtmi:example:coldstore:Room;1", "dtmi:example:coldstore:Chiller;1"}
    assert {t["$dtId"] for t in graph["twins"]} == {"room-a", "chiller-1", "chiller-2", "door-sensor"}
    assert "bridges: none" in run.stderr
