"""Both predecessor generations and a multicloud project synthesize unchanged, and what they hold is used.

The fixtures are written in each generation's format (tests/compat/fixtures): `predecessor_a` the
older one (flat flags, config_hierarchy.json, `process.py` processors, actions reading
DIGITAL_TWIN_INFO at import, a twin name with `_`), `predecessor_h` the newer one (twin_hierarchy
files, per-cloud function folders, a Logic App and YAML Google workflow written for the
predecessor, 3D scenes, config_user.json), `multicloud` five clouds-crossing bridges with only a DTDL
hierarchy while layer 4 is on AWS.
"""

from __future__ import annotations

import json

import pytest

from twin_model.config.model import Layer
from tests.aws import cfn_lint_errors, resources_of_type

A_TWIN = "Twin-Name-01-1c61"  # `Twin-Name_01` mapped (README: Twin name)


def lambda_functions(template: dict) -> dict[str, dict]:
    return {
        r["Properties"]["FunctionName"]: r["Properties"]
        for r in resources_of_type(template, "AWS::Lambda::Function").values()
        if isinstance(r["Properties"].get("FunctionName"), str)
    }


def warned(run, file: str, fragment: str = "") -> bool:
    return any(line.startswith(f"  - {file} ") and fragment in line for line in run.stderr.splitlines())


@pytest.mark.parametrize("name", ["predecessor_a", "predecessor_h", "multicloud"])
def test_each_project_synthesizes_unchanged(synthesized, name):
    run = synthesized(name)
    assert run.code == 0, run.stderr[-3000:]
    assert "warnings:" in run.stderr  # what is not used is said


def test_older_generation_stacks_carry_the_mapped_twin_name(synthesized):
    run = synthesized("predecessor_a")
    for suffix in ("l1", "l2", "l3-hot", "l3-cold", "l3-archive", "l4", "l5"):
        assert (run.outdir / f"{A_TWIN}-{suffix}.template.json").is_file()
    assert warned(run, "config.json", "'Twin-Name_01' is used as 'Twin-Name-01-1c61'")


def test_flat_flags_deploy_event_checking_workflow_and_feedback(synthesized):
    template = synthesized("predecessor_a").template(f"{A_TWIN}-l2")
    functions = lambda_functions(template)
    assert {f"{A_TWIN}-event-checker", f"{A_TWIN}-feedback"} <= set(functions)
    assert {f"{A_TWIN}-action-{n}" for n in ("overheat-alarm", "dry-run-check", "dry-run-report")} <= set(functions)
    assert len(resources_of_type(template, "AWS::StepFunctions::StateMachine")) == 1


def test_an_action_reading_digital_twin_info_at_import_gets_it(synthesized):
    functions = lambda_functions(synthesized("predecessor_a").template(f"{A_TWIN}-l2"))
    info = json.loads(functions[f"{A_TWIN}-action-overheat-alarm"]["Environment"]["Variables"]["DIGITAL_TWIN_INFO"])
    assert info["config"] == {"digital_twin_name": "Twin-Name_01", "hot_storage_size_in_days": 30,
                              "cold_storage_size_in_days": 90, "mode": "DEBUG"}
    assert [d["id"] for d in info["config_iot_devices"]] == ["boiler-1", "pump-1", "valve-7"]
    assert info["config_events"][0]["action"]["functionName"] == "overheat-alarm"
    assert info["config_providers"]["layer_4_provider"] == "aws"
    assert "DIGITAL_TWIN_INFO" not in functions[f"{A_TWIN}-action-dry-run-check"]["Environment"]["Variables"]


def test_older_processors_and_the_default_processor_are_bundled(synthesized):
    processors = synthesized("predecessor_a").bundles / "aws-processing" / "project" / "processors"
    assert sorted(p.relative_to(processors).as_posix() for p in processors.rglob("*.py")) == [
        ".default/process.py", "boiler-1/process.py",
    ]


def test_older_hierarchy_components_link_by_type_id_and_device(synthesized):
    run = synthesized("predecessor_a")
    entities = {}
    for path in run.outdir.glob(f"{A_TWIN.replace('-', '')}l4Entities*.nested.template.json"):
        for resource in resources_of_type(json.loads(path.read_text()), "AWS::IoTTwinMaker::Entity").values():
            entities[resource["Properties"]["EntityId"]] = resource["Properties"]
    assert set(entities) == {"boiler-room", "pumps", "valves"}
    boiler = entities["boiler-room"]["Components"]["boiler"]["Properties"]["iotDeviceId"]["Value"]["StringValue"]
    assert boiler == "boiler-1"  # componentTypeId "Twin-Name_01-boiler-1"
    assert entities["valves"]["ParentEntityId"] == "pumps"


def test_unused_predecessor_files_are_named(synthesized):
    run = synthesized("predecessor_a")
    assert warned(run, "config_credentials.json", "not read: credentials come from")
    assert warned(run, "lambda_functions/event-feedback", "device feedback is built in")
    assert warned(run, "config_optimization.json", "flat form")
    assert warned(run, "config_events.json", "pathToCode")


# --- the newer generation ------------------------------------------------------------------------

H_TWIN = "plant-h"


def test_user_dtdl_is_uploaded_as_given(synthesized):
    run = synthesized("predecessor_h")
    source = json.loads((run_fixture("predecessor_h") / "twin_hierarchy" / "azure_hierarchy.json").read_text())
    models = json.loads(run.stack_file(f"{H_TWIN}-l4", "adt/models.json").read_text())
    graph = json.loads(run.stack_file(f"{H_TWIN}-l4", "adt/twins.json").read_text())
    assert models == source["models"]
    assert graph["twins"] == source["twins"]
    assert [(r["$sourceId"], r["$relationshipName"], r["$targetId"]) for r in graph["relationships"]] == [
        (r["$dtId"], r["$relationshipName"], r["$targetId"]) for r in source["relationships"]
    ]


def test_the_twin_updater_patches_only_what_each_model_declares(synthesized):
    bindings = json.loads((synthesized("predecessor_h").bundles / "azure-processing" / "project" / "twin_bindings.json").read_text())
    assert bindings == {
        "temp-sensor-1": {"properties": ["temperature"], "last_update": True},
        "temp-sensor-2": {"properties": ["temperature"], "last_update": True},  # humidity: not in its model
        "pressure-sensor-1": {"properties": ["pressure"], "last_update": True},
    }


def test_newer_processors_run_from_the_layer_2_clouds_folder(synthesized):
    processors = synthesized("predecessor_h").bundles / "azure-processing" / "project" / "processors"
    assert sorted(p.relative_to(processors).as_posix() for p in processors.rglob("*.py")) == [
        ".default/process.py", "temp-sensor-2/function_app.py",
    ]
    actions = synthesized("predecessor_h").bundles / "azure-processing" / "project" / "event_actions"
    assert sorted(p.relative_to(actions).as_posix() for p in actions.rglob("*.py")) == [
        "heat-alert/function_app.py", "pressure-log/function_app.py",
    ]


def test_the_predecessors_logic_app_gets_the_token_header(synthesized):
    run = synthesized("predecessor_h")
    actions = run.terraform(f"{H_TWIN}-l2")["resource"]["azurerm_logic_app_action_custom"]
    bodies = {a["name"]: json.loads(a["body"]) for a in actions.values()}
    for name in ("Notify", "Record"):
        assert bodies[name]["inputs"]["headers"]["X-Inter-Cloud-Token"] == "@{triggerBody()?['ActionToken']}"
        assert bodies[name]["runtimeConfiguration"]["secureData"]["properties"] == ["inputs"]
    assert bodies["Notify"]["inputs"]["uri"] == "@triggerBody()['FunctionA_URL']"
    assert warned(run, "state_machines/azure_logic_app.json", "adapted: header X-Inter-Cloud-Token")


def test_3d_scenes_studio_storage_and_files(synthesized):
    run = synthesized("predecessor_h")
    l4 = run.terraform(f"{H_TWIN}-l4")
    (account,) = [a for a in l4["resource"]["azurerm_storage_account"].values() if "scene" in a["name"]]
    (cors,) = account["blob_properties"]["cors_rule"]
    assert cors["allowed_origins"] == ["https://explorer.digitaltwins.azure.net"]
    assert account["shared_access_key_enabled"] is False and account["allow_nested_items_to_be_public"] is False
    assert "3dscenes" in [c["name"] for c in l4["resource"]["azurerm_storage_container"].values()]
    assert "scenes_container_url" in l4["output"]
    scenes = run.stack_file(f"{H_TWIN}-l4", "adt/scenes")
    assert sorted(p.name for p in scenes.iterdir()) == ["3DScenesConfiguration.json", "plant.glb"]
    assert "{{STORAGE_URL}}" in (scenes / "3DScenesConfiguration.json").read_text()  # filled in at upload


def test_newer_generation_unused_files_are_named(synthesized):
    run = synthesized("predecessor_h")
    assert warned(run, "lambda_functions", "layer 2 runs on Azure")
    assert warned(run, "cloud_functions", "layer 2 runs on Azure")
    assert warned(run, "twin_hierarchy/aws_hierarchy.json", "not read")
    assert warned(run, "state_machines/google_cloud_workflow.yaml", "not read")
    assert warned(run, "scene_assets/aws", "scene_assets/azure/ is its scene")
    assert warned(run, "azure_functions/processors/temp-sensor-2/process.py", "function_app.py is this processor")
    assert not warned(run, "config_user.json")  # read: the dashboards' administrator


# --- multicloud: DTDL read as the TwinMaker tree, a TwinMaker scene --------------------------------


def test_dtdl_becomes_the_twinmaker_entity_tree(synthesized):
    run = synthesized("multicloud")
    entities = {}
    for path in run.outdir.glob("mce2el4Entities*.nested.template.json"):
        for resource in resources_of_type(json.loads(path.read_text()), "AWS::IoTTwinMaker::Entity").values():
            entities[resource["Properties"]["EntityId"]] = resource["Properties"]
    assert {k: v.get("ParentEntityId") for k, v in entities.items()} == {
        "room-1": None, "room-2": None, "machine-1": "room-1",
    }
    assert set(entities["machine-1"]["Components"]) == {"temperature-sensor-1"}
    assert set(entities["room-1"]["Components"]) == {"temperature-sensor-2"}


def test_the_twinmaker_scene_and_its_files(synthesized):
    run = synthesized("multicloud")
    template = run.template("mc-e2e-l4")
    (scene,) = resources_of_type(template, "AWS::IoTTwinMaker::Scene").values()
    assert scene["Properties"]["SceneId"] == "main-scene"
    assert scene["Properties"]["WorkspaceId"] == "mc-e2e"
    location = json.dumps(scene["Properties"]["ContentLocation"])
    assert "scene_assets/scene.json" in location
    (deployment,) = resources_of_type(template, "Custom::CDKBucketDeployment").values()
    assert deployment["Properties"]["DestinationBucketKeyPrefix"] == "scene_assets/"
    assert len(deployment["Properties"]["SourceObjectKeys"]) == 2  # the model files and the scene JSON


def test_the_google_workflow_gets_oidc_auth(synthesized):
    run = synthesized("multicloud")
    (workflow,) = run.terraform("mc-e2e-l2")["resource"]["google_workflows_workflow"].values()
    source = json.loads(workflow["source_contents"].replace("$${", "${"))
    calls = [next(iter(step.values())) for step in source["main"]["steps"] if "call" in next(iter(step.values()))]
    assert [call["args"]["auth"] for call in calls] == [{"type": "OIDC"}, {"type": "OIDC"}]


@pytest.mark.parametrize("layer", [Layer.L1, Layer.L3_COLD, Layer.L4])
def test_aws_stacks_of_the_multicloud_project_pass_nag_and_cfn_lint(synthesized, layer):
    run = synthesized("multicloud")
    stack_name = f"mc-e2e-{layer.value}"
    assert run.nag[stack_name] == []
    assert cfn_lint_errors(run.template(stack_name)) == []


def run_fixture(name: str):
    from tests.compat.conftest import FIXTURES

    return FIXTURES / name
