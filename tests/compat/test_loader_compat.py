"""The loader on the predecessor's files, one rule at a time (the fixtures are the whole projects)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from twin_model.config import ProjectConfigError, load_project
from tests.compat.conftest import FIXTURES, PROVIDER_KEYS

ALL_AWS = dict.fromkeys(PROVIDER_KEYS, "aws")


@pytest.fixture
def newer(tmp_path) -> Path:
    project = tmp_path / "h"
    shutil.copytree(FIXTURES / "predecessor_h", project)
    return project


@pytest.fixture
def older(tmp_path) -> Path:
    project = tmp_path / "a"
    shutil.copytree(FIXTURES / "predecessor_a", project)
    return project


def put(project: Path, relative: str, content) -> None:
    path = project / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else json.dumps(content))


def read(project: Path, relative: str):
    return json.loads((project / relative).read_text())


def problems(project: Path) -> list[tuple[str, str, str]]:
    with pytest.raises(ProjectConfigError) as info:
        load_project(project)
    return [(p.file, p.path, p.expected) for p in info.value.problems]


def warnings(project: Path) -> dict[tuple[str, str], str]:
    return {(w.file, w.path): w.expected for w in load_project(project).warnings}


def on(project: Path, **layers: str) -> Path:
    put(project, "config_providers.json", {**ALL_AWS, **layers})
    return project


# --- workflows -------------------------------------------------------------------------------------

GOOGLE = {"layer_1_provider": "google", "layer_2_provider": "google", "layer_3_hot_provider": "google"}


def test_yaml_is_read_before_json_and_the_json_is_named_unused(newer):
    config = load_project(on(newer, **GOOGLE))
    assert config.state_machine_file.name == "google_cloud_workflow.yaml"
    assert "not read: state_machines/google_cloud_workflow.yaml is the workflow" in warnings(newer)[
        ("state_machines/google_cloud_workflow.json", "$")]
    assert config.workflow_definition == (newer / "state_machines/google_cloud_workflow.yaml").read_text()


@pytest.mark.parametrize(
    "text, fragment",
    [("main:\n  steps: []\nmain:\n  params: []\n", "appears once per object"),
     ("base: &b {call: http.post}\nmain:\n  steps:\n    - a: *b\n", "without a YAML anchor"),
     ("main: !!python/object:os.system {}\n", "without a YAML tag"),
     ("main:\n  steps:\n    - a: {return: .nan}\n", "not a JSON number")],
    ids=["duplicate-key", "anchor", "tag", "nan"],
)
def test_yaml_is_read_as_strictly_as_json(newer, text, fragment):
    put(on(newer, **GOOGLE), "state_machines/google_cloud_workflow.yaml", text)
    found = problems(newer)
    assert any(f == "state_machines/google_cloud_workflow.yaml" and fragment in e for f, _, e in found), found


@pytest.mark.parametrize("key, hint", [("FunctionA_Url", "did you mean 'FunctionA_URL'?"),
                                       ("FunctionA_ResourceID", "would be null")])
def test_logic_app_reading_an_input_never_sent_is_refused(newer, key, hint):
    definition = read(newer, "state_machines/azure_logic_app.json")
    definition["definition"]["actions"]["Notify"]["inputs"]["uri"] = f"@triggerBody()?['{key}']"
    put(newer, "state_machines/azure_logic_app.json", definition)
    ((file, path, expected),) = problems(newer)
    assert (file, path) == ("state_machines/azure_logic_app.json", "$.definition.actions.Notify.inputs.uri")
    assert hint in expected and "InputData, FunctionA_URL, FunctionB_URL, ActionToken" in expected


def test_logic_app_with_another_token_is_refused(newer):
    definition = read(newer, "state_machines/azure_logic_app.json")
    definition["definition"]["actions"]["Notify"]["inputs"]["headers"]["x-inter-cloud-token"] = "secret"
    put(newer, "state_machines/azure_logic_app.json", definition)
    ((file, path, expected),) = problems(newer)
    assert path == "$.definition.actions.Notify.inputs.headers.x-inter-cloud-token"
    assert "@{triggerBody()?['ActionToken']}" in expected


def test_our_own_logic_app_is_deployed_unchanged(tmp_path):
    project = tmp_path / "az"
    shutil.copytree(Path("examples/factory-floor-azure"), project)
    config = load_project(project)
    assert config.workflow_definition == (project / "state_machines/azure_logic_app.json").read_text()


def test_google_call_with_oauth2_is_refused(newer):
    put(on(newer, **GOOGLE), "state_machines/google_cloud_workflow.yaml",
        "main:\n  params: [args]\n  steps:\n    - a:\n        call: http.post\n        args:\n"
        "          url: ${args.FunctionA_URL}\n          auth: {type: OAuth2}\n")
    ((file, path, expected),) = problems(newer)
    assert path == "$.main.steps[0].a.args.auth" and "OIDC" in expected


def test_google_workflow_reading_our_old_key_is_refused(newer):
    put(on(newer, **GOOGLE), "state_machines/google_cloud_workflow.yaml",
        "main:\n  params: [input]\n  steps:\n    - a:\n        call: http.post\n        args:\n"
        "          url: ${input.FunctionAUrl}\n          auth: {type: OIDC}\n")
    ((file, path, expected),) = problems(newer)
    assert "did you mean 'FunctionA_URL'?" in expected


# --- processors and actions ------------------------------------------------------------------------


def test_azure_processor_needs_one_routed_function(newer):
    put(newer, "azure_functions/processors/temp-sensor-2/function_app.py", "import azure.functions as func\napp = func.FunctionApp()\n")
    ((file, _, expected),) = problems(newer)
    assert file == "azure_functions/processors/temp-sensor-2/function_app.py" and "@app.route" in expected


def test_a_device_with_two_processors_is_refused(older):
    put(older, "processors/boiler-1/process.py", "def process(event):\n    return event\n")
    found = problems(older)
    assert [(f, e.split(":")[0]) for f, _, e in found] == [("lambda_functions/processors/boiler-1/process.py", "one processor per device")]


def test_a_processor_folder_must_name_a_device(older):
    put(older, "lambda_functions/processors/ghost/process.py", "def process(event):\n    return event\n")
    ((file, _, expected),) = problems(older)
    assert file == "lambda_functions/processors/ghost" and "default_processor" in expected


def test_an_action_folder_without_either_entry_names_both(newer):
    (newer / "azure_functions/event_actions/heat-alert/function_app.py").unlink()
    put(newer, "azure_functions/event_actions/heat-alert/helper.py", "X = 1\n")
    ((file, _, expected),) = problems(newer)
    assert file == "azure_functions/event_actions/heat-alert/action.py"
    assert "action.py defining main()" in expected and "function_app.py defining an Azure Functions app" in expected


def test_digital_twin_info_too_large_for_a_lambda_environment_is_refused(older):
    devices = read(older, "config_iot_devices.json")
    devices += [{"id": f"extra-{n:03d}", "properties": [{"name": "level", "dataType": "DOUBLE"}]} for n in range(60)]
    put(older, "config_iot_devices.json", devices)
    ((file, _, expected),) = problems(older)
    assert file == "lambda_functions/event_actions/overheat-alarm" and "DIGITAL_TWIN_INFO" in expected


# --- hierarchy ---------------------------------------------------------------------------------------


def test_component_property_not_on_its_device_is_a_warning(newer):
    """Issue #23: TwinMaker accepts a property nobody writes, and the predecessor deployed it."""
    hierarchy = read(on(newer), "twin_hierarchy/aws_hierarchy.json")
    hierarchy[1]["children"][0]["properties"].append({"name": "temperature", "dataType": "DOUBLE"})
    put(newer, "twin_hierarchy/aws_hierarchy.json", hierarchy)
    config = load_project(newer)
    (warning,) = [w for w in config.warnings if w.file == "twin_hierarchy/aws_hierarchy.json"
                  and w.path == "$[1].children[0].properties[1].name"]
    assert "device 'pressure-sensor-1' does not send 'temperature'" in warning.expected


def test_component_property_of_another_type_is_refused(newer):
    hierarchy = read(on(newer), "twin_hierarchy/aws_hierarchy.json")
    hierarchy[1]["children"][0]["properties"][0]["dataType"] = "INTEGER"
    put(newer, "twin_hierarchy/aws_hierarchy.json", hierarchy)
    ((_, path, expected),) = problems(newer)
    assert path == "$[1].children[0].properties[0].dataType" and expected.startswith("DOUBLE")


def test_component_constants_are_typed(newer):
    hierarchy = read(on(newer), "twin_hierarchy/aws_hierarchy.json")
    hierarchy[1]["children"][0]["constProperties"][0]["value"] = 7
    put(newer, "twin_hierarchy/aws_hierarchy.json", hierarchy)
    ((_, path, _),) = problems(newer)
    assert path == "$[1].children[0].constProperties[0].value"


def test_components_link_to_devices_three_ways(newer):
    config = load_project(on(newer))
    links = {c.name: c.iot_device_id for e in config.hierarchy for c in (*e.components, *[x for ch in e.children for x in ch.components])}
    assert links == {"temp-sensor-1": "temp-sensor-1", "hall-climate": "temp-sensor-2", "pressure": "pressure-sensor-1"}
    assert warnings(newer)[("twin_hierarchy/aws_hierarchy.json", "$[0].children[1].componentTypeId")].startswith("not used")


def test_a_component_without_a_device_is_refused(newer):
    hierarchy = read(on(newer), "twin_hierarchy/aws_hierarchy.json")
    hierarchy[0]["children"][0]["children"][0]["name"] = "spare"
    put(newer, "twin_hierarchy/aws_hierarchy.json", hierarchy)
    ((_, path, expected),) = problems(newer)
    assert path == "$[0].children[0].children[0].iotDeviceId" and "component name that is a device id" in expected


# --- DTDL ---------------------------------------------------------------------------------------------

DTDL = "twin_hierarchy/azure_hierarchy.json"


def dtdl_problem(project: Path, change) -> tuple[str, str]:
    bundle = read(project, DTDL)
    change(bundle)
    put(project, DTDL, bundle)
    found = [(path, expected) for file, path, expected in problems(project) if file == DTDL]
    assert found, "expected a problem in the DTDL file"
    return found[0]


def test_a_telemetry_and_a_property_of_one_name_are_refused(newer):
    path, expected = dtdl_problem(newer, lambda b: b["models"][3]["contents"].append(
        {"@type": "Telemetry", "name": "temperature", "schema": "double"}))
    assert path == "$.models[3].contents" and expected.startswith("DTDL parser: ")
    assert "more than one element whose property 'name' has value 'temperature'" in expected


def test_a_name_declared_again_under_extends_is_refused(newer):
    path, expected = dtdl_problem(newer, lambda b: b["models"][3]["contents"].append(
        {"@type": "Property", "name": "serialNumber", "schema": "string"}))
    assert "because it transitively 'extends' dtmi:example:plant:Sensor;1" in expected


@pytest.mark.parametrize(
    "change, path",
    [(lambda b: b["models"][0].update({"@id": "dtmi:bad id;1"}), "$.models[0].@id"),
     (lambda b: b["models"][0].update({"@context": "dtmi:dtdl:context;9"}), "$.models[0].@context"),
     (lambda b: b["models"][3].update(extends="dtmi:example:plant:Missing;1"), "$.models[3].extends"),
     (lambda b: b["models"][2]["contents"][0].update(schema="text"), "$.models[2].contents[0].schema"),
     (lambda b: b["models"][2].update(extends="dtmi:example:plant:PressureSensor;1"), "$.models[4].extends"),
     (lambda b: b["twins"][0].update(colour="red"), "$.twins[0].colour"),
     (lambda b: b["twins"][0].update(floorArea="large"), "$.twins[0].floorArea"),
     (lambda b: b["twins"][2]["$metadata"].update({"$model": "dtmi:example:plant:Nope;1"}), "$.twins[2].$metadata.$model"),
     (lambda b: b["relationships"][0].update({"$relationshipName": "feeds"}), "$.relationships[0].$relationshipName"),
     (lambda b: b["relationships"][0].update({"$targetId": "store-room"}), "$.relationships[0].$targetId")],
    ids=["dtmi", "context", "extends", "schema", "extends-cycle", "undeclared-property", "property-type", "model",
         "relationship", "target-model"],
)
def test_dtdl_the_upload_would_refuse_is_refused(newer, change, path):
    assert dtdl_problem(newer, change)[0] == path


def test_a_device_twin_property_of_the_wrong_schema_is_refused(newer):
    path, expected = dtdl_problem(newer, lambda b: b["models"][3]["contents"][0].update(schema="string"))
    assert "holds DOUBLE values" in expected


def test_devices_without_a_twin_get_a_generated_one(newer):
    bundle = read(newer, DTDL)
    bundle["twins"] = [t for t in bundle["twins"] if t["$dtId"] != "pressure-sensor-1"]
    bundle["relationships"] = [r for r in bundle["relationships"] if r["$targetId"] != "pressure-sensor-1"]
    put(newer, DTDL, bundle)
    config = load_project(newer)
    assert {b.device_id for b in config.dtdl.bindings} == {"temp-sensor-1", "temp-sensor-2"}
    from cdk_app.stacks.azure.dtdl_upload import dtdl_upload, twin_bindings

    models, graph = dtdl_upload(config)
    assert "pressure-sensor-1" in {t["$dtId"] for t in graph["twins"]}
    assert len(models) == len(bundle["models"]) + 1  # the generated device model
    assert twin_bindings(config)["pressure-sensor-1"] == {"properties": ["pressure", "status"], "last_update": True}


# --- scenes, payloads, unused files -----------------------------------------------------------------


def test_a_scene_without_layer_4_is_named_unused(newer):
    on(newer, layer_4_provider="none", layer_5_provider="none")
    assert "layer_4_provider is none" in warnings(newer)[("scene_assets", "$")]


def test_scene_assets_without_the_flag_are_named_unused(newer):
    optimization = read(newer, "config_optimization.json")
    optimization["result"]["inputParamsUsed"]["needs3DModel"] = False
    put(newer, "config_optimization.json", optimization)
    assert "needs3DModel is not true" in warnings(newer)[("scene_assets", "$")]


def test_a_twinmaker_scene_naming_a_missing_model_is_a_warning(newer):
    scene = read(on(newer), "scene_assets/aws/scene.json")
    scene["nodes"][0]["components"][0]["uri"] = "scene_assets/missing.glb"
    put(newer, "scene_assets/aws/scene.json", scene)
    assert "the scene will not find this model" in warnings(newer)[
        ("scene_assets/aws/scene.json", "$.nodes[0].components[0].uri")]


def test_a_twinmaker_scene_model_in_another_bucket_is_refused(newer):
    """Issue #28: it was accepted with a warning and deployed pointing at that bucket."""
    scene = read(on(newer), "scene_assets/aws/scene.json")
    scene["nodes"][0]["components"][0]["uri"] = "s3://bucket/scene_assets/missing.glb"
    put(newer, "scene_assets/aws/scene.json", scene)
    ((file, path, expected),) = problems(newer)
    assert (file, path) == ("scene_assets/aws/scene.json", "$.nodes[0].components[0].uri")
    assert "names no file there and points elsewhere" in expected


def test_payloads_of_unknown_devices_are_refused(newer):
    put(newer, "iot_device_simulator/payloads.json", [{"iotDeviceId": "ghost", "time": ""}])
    assert problems(newer) == [("iot_device_simulator/payloads.json", "$[0].iotDeviceId",
                                "a device of config_iot_devices.json (got 'ghost')")]


def test_every_unread_file_is_named_and_tool_files_are_not(older):
    put(older, "notes/todo.txt", "x")
    put(older, "notes/more/ideas.md", "y")
    put(older, "processors/boiler-2-spare.txt", "z")
    put(older, ".git/config", "hidden")
    put(older, "iot_devices_auth/boiler-1/certificate.pem.crt", "written by a post-deploy step")
    found = warnings(older)
    assert found[("notes", "$")] == "not read: this project has no use for it"  # the whole folder, once
    assert ("processors", "$") in found  # no processor of this project is there
    assert not [key for key in found if key[0].startswith((".git", "iot_devices_auth", "notes/"))]
