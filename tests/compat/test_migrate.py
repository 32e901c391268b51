"""`python -m twin_ops migrate OLD_DIR NEW_DIR`: both predecessor generations (and the multicloud
project) in this project's format, every change reported, the same stacks synthesized.

Expected changes are written by hand from the fixtures (tests/compat/fixtures) and the README's
format; the stacks are compared with the originals' synthesized through the same entry point.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from twin_model.config import load_project
from tests.compat.conftest import FIXTURES, PROVIDER_KEYS, run_entry_point
from tests.snapshot_utils import without_traces
from twin_ops.cli import main as cli
from twin_ops.migrate.plan import plan


def migrate(old: Path, new: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli(["migrate", str(old), str(new)])
    return code, out.getvalue(), err.getvalue()


def files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def copy_of(name: str, tmp_path: Path) -> Path:
    project = tmp_path / "old"
    shutil.copytree(FIXTURES / name, project)
    return project


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    """migrated(name) → (old folder, new folder, report) of one fixture, migrated once per module."""
    done: dict[str, tuple[Path, Path, str]] = {}

    def get(name: str) -> tuple[Path, Path, str]:
        if name not in done:
            base = tmp_path_factory.mktemp(f"migrate-{name}")
            code, out, err = migrate(FIXTURES / name, base / "new")
            assert code == 0, err
            done[name] = (FIXTURES / name, base / "new", out)
        return done[name]

    return get


def report_lines(report: str) -> list[str]:
    return [line.strip() for line in report.splitlines()]


# --- the older generation ----------------------------------------------------------------------------


def test_older_generation_files_land_in_their_native_places(migrated):
    _, new, _ = migrated("predecessor_a")
    assert files(new) == {
        "config.json", "config_providers.json", "config_iot_devices.json", "config_events.json",
        "config_optimization.json", "config_hierarchy.json",
        "processors/boiler-1/process.py", "processors/default_processor/process.py",
        "lambda_functions/event_actions/overheat-alarm/lambda_function.py",
        "lambda_functions/event_actions/dry-run-check/lambda_function.py",
        "lambda_functions/event_actions/dry-run-report/lambda_function.py",
        "state_machines/aws_step_function.json", "iot_device_simulator/payloads.json",
    }
    old = FIXTURES / "predecessor_a"
    assert (new / "processors/boiler-1/process.py").read_bytes() == (old / "lambda_functions/processors/boiler-1/process.py").read_bytes()
    assert (new / "config.json").read_bytes() == (old / "config.json").read_bytes()  # unchanged: byte for byte


def test_older_generation_documents_are_rewritten_to_the_native_format(migrated):
    _, new, _ = migrated("predecessor_a")
    assert json.loads((new / "config_optimization.json").read_text()) == {"result": {"inputParamsUsed": {
        "useEventChecking": True, "triggerNotificationWorkflow": True, "returnFeedbackToDevice": True}}}
    boiler = json.loads((new / "config_hierarchy.json").read_text())[0]["children"][0]
    assert boiler == {"type": "component", "name": "boiler", "iotDeviceId": "boiler-1"}
    first_action = json.loads((new / "config_events.json").read_text())[0]["action"]
    assert "pathToCode" not in first_action and first_action["autoDeploy"] is True  # the rest stays as written


def test_older_generation_report_names_every_change(migrated):
    _, _, report = migrated("predecessor_a")
    lines = report_lines(report)
    assert lines[0].startswith("Migrated ") and "13 files written, 3 left behind" in lines[0]
    expected = [
        "config.json  copied",
        "config_events.json  rewritten",
        "$[0].action.pathToCode: removed (ignored: code is read from <functions folder>/event_actions/<functionName>/)",
        "config_optimization.json  rewritten",
        "config_hierarchy.json  rewritten",
        "$[0].children[0].componentTypeId: replaced by iotDeviceId 'boiler-1' (the device it named; components name "
        "their device by iotDeviceId)",
        "processors/boiler-1/process.py  moved  from lambda_functions/processors/boiler-1/process.py",
        "processors/default_processor/process.py  moved  from lambda_functions/processors/default_processor/process.py",
        "iot_device_simulator/payloads.json  moved  from iot_device_simulator/aws/payloads.json",
    ]
    squeezed = [re.sub(r"\s{2,}", "  ", line) for line in lines]
    for line in expected:
        assert line in squeezed, line
    assert any(line.startswith("$: the flags moved into result.inputParamsUsed") for line in lines)
    left = lines[lines.index("Left behind (not read by this project; still in the old folder):") + 1:][:3]
    assert [line.split(":")[0] for line in left] == [
        "config_credentials.json", "config_inter_cloud.json", "lambda_functions/event-feedback",
    ]
    assert "credentials come from each cloud's standard chain" in left[0]


# --- the newer generation ----------------------------------------------------------------------------


def test_newer_generation_keeps_its_dtdl_and_adapts_the_logic_app_in_the_file(migrated):
    old, new, report = migrated("predecessor_h")
    assert files(new) == {
        "config.json", "config_providers.json", "config_iot_devices.json", "config_events.json",
        "config_optimization.json", "config_user.json", "twin_hierarchy/azure_hierarchy.json",
        "processors/temp-sensor-2/function_app.py", "processors/default_processor/process.py",
        "azure_functions/event_actions/heat-alert/function_app.py",
        "azure_functions/event_actions/pressure-log/function_app.py",
        "state_machines/azure_logic_app.json", "scene_assets/azure/3DScenesConfiguration.json",
        "scene_assets/azure/plant.glb", "iot_device_simulator/payloads.json",
    }
    dtdl = json.loads((new / "twin_hierarchy/azure_hierarchy.json").read_text())
    source = json.loads((old / "twin_hierarchy/azure_hierarchy.json").read_text())
    assert dtdl == {key: value for key, value in source.items() if key != "header"}
    notify = json.loads((new / "state_machines/azure_logic_app.json").read_text())["definition"]["actions"]["Notify"]
    assert notify["inputs"]["headers"]["X-Inter-Cloud-Token"] == "@{triggerBody()?['ActionToken']}"
    assert "observability" not in json.loads((new / "config.json").read_text())
    assert "calculationResult" not in json.loads((new / "config_optimization.json").read_text())["result"]
    lines = [re.sub(r"\s{2,}", "  ", line) for line in report_lines(report)]
    for line in ("lambda_functions: not read: layer 2 runs on Azure; lambda_functions/ is read when layer 2 is on AWS",
                 "config_inter_cloud.json: not read: bridge URLs and tokens are created at deploy time",
                 "deployment_manifest.json: not read (the predecessor's deployment record)"):
        assert line in lines, line


def test_a_tree_file_keeps_its_order_and_names_every_device(tmp_path):
    """The newer generation with layer 4 on AWS: aws_hierarchy.json becomes config_hierarchy.json."""
    old = copy_of("predecessor_h", tmp_path)
    (old / "config_providers.json").write_text(json.dumps(dict.fromkeys(PROVIDER_KEYS, "aws")))
    code, report, err = migrate(old, tmp_path / "new")
    assert code == 0, err
    hall, store = json.loads((tmp_path / "new/config_hierarchy.json").read_text())
    press_line, climate = hall["children"]  # an entity before a component, as written
    assert press_line["children"][0] == {
        "type": "component", "name": "temp-sensor-1", "iotDeviceId": "temp-sensor-1",
        "properties": [{"name": "temperature", "dataType": "DOUBLE"}],
        "constProperties": [{"name": "mountedOn", "dataType": "STRING", "value": "press-line"}],
    }
    assert "componentTypeId" not in climate and climate["iotDeviceId"] == "temp-sensor-2"
    assert store["children"][0]["iotDeviceId"] == "pressure-sensor-1"
    assert "config_hierarchy.json  rewritten  from twin_hierarchy/aws_hierarchy.json" in [
        re.sub(r"\s{2,}", "  ", line.strip()) for line in report.splitlines()]
    assert "$[0].children[0].children[0].iotDeviceId: added 'temp-sensor-1'" in report
    assert "$[0].children[0].children[0].componentTypeId: removed (not used:" in report
    assert "$[1].children[0].componentTypeId: replaced by iotDeviceId 'pressure-sensor-1'" in report
    assert not (tmp_path / "new/twin_hierarchy").exists()


def test_a_workflow_the_synth_deploys_as_written_is_copied(tmp_path):
    """The newer generation with layer 2 on Google: its YAML workflow already sends OIDC tokens."""
    old = copy_of("predecessor_h", tmp_path)
    providers = json.loads((old / "config_providers.json").read_text())
    (old / "config_providers.json").write_text(json.dumps({**providers, "layer_2_provider": "google"}))
    code, report, err = migrate(old, tmp_path / "new")
    assert code == 0, err
    yaml = "state_machines/google_cloud_workflow.yaml"
    assert (tmp_path / "new" / yaml).read_bytes() == (old / yaml).read_bytes()
    assert not (tmp_path / "new/state_machines/google_cloud_workflow.json").exists()
    assert ("state_machines/google_cloud_workflow.json: not read: state_machines/google_cloud_workflow.yaml is the "
            "workflow") in report
    assert {"processors/pressure-sensor-1/main.py", "processors/default_processor/main.py"} <= files(tmp_path / "new")


def test_a_missing_mode_is_written_and_device_keys_stay_behind(tmp_path):
    old = copy_of("predecessor_a", tmp_path)
    config = json.loads((old / "config.json").read_text())
    del config["mode"]
    (old / "config.json").write_text(json.dumps(config))
    (old / "iot_devices_auth" / "boiler-1").mkdir(parents=True)
    (old / "iot_devices_auth" / "boiler-1" / "private.pem.key").write_text("not a real key")
    code, report, err = migrate(old, tmp_path / "new")
    assert code == 0, err
    assert json.loads((tmp_path / "new/config.json").read_text())["mode"] == "PRODUCTION"
    assert "$.mode: added 'PRODUCTION' (missing: PRODUCTION is used" in report
    assert not (tmp_path / "new/iot_devices_auth").exists()
    assert "iot_devices_auth: device credentials the post-deploy steps wrote: not copied" in report


# --- multicloud: DTDL read as the TwinMaker tree, the Google workflow adapted --------------------------


def test_dtdl_read_for_an_aws_twin_becomes_config_hierarchy(migrated):
    _, new, report = migrated("multicloud")
    # From its relationships: room-1 holds machine-1 and temperature-sensor-2, machine-1 holds
    # temperature-sensor-1, room-2 holds pressure-sensor-1 (components first, roots in file order).
    def component(device: str) -> dict:
        return {"type": "component", "name": device, "iotDeviceId": device}

    assert json.loads((new / "config_hierarchy.json").read_text()) == [
        {"type": "entity", "id": "room-1", "children": [
            component("temperature-sensor-2"),
            {"type": "entity", "id": "machine-1", "children": [component("temperature-sensor-1")]}]},
        {"type": "entity", "id": "room-2", "children": [component("pressure-sensor-1")]},
    ]
    assert "config_hierarchy.json  converted  from twin_hierarchy/azure_hierarchy.json" in [
        re.sub(r"\s{2,}", "  ", line.strip()) for line in report.splitlines()]
    workflow = json.loads((new / "state_machines/google_cloud_workflow.json").read_text())
    calls = [next(iter(s.values())) for s in workflow["main"]["steps"] if "call" in next(iter(s.values()))]
    assert [call["args"]["auth"] for call in calls] == [{"type": "OIDC"}, {"type": "OIDC"}]
    assert "processors/temperature-sensor-1/main.py" in files(new)


# --- what the migrated project is -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["predecessor_a", "predecessor_h", "multicloud"])
def test_the_migrated_project_has_no_predecessor_warnings_left(migrated, name):
    old, new, _ = migrated(name)
    before = {(w.file, w.path, w.expected) for w in load_project(old).warnings}
    after = {(w.file, w.path, w.expected) for w in load_project(new).warnings}
    assert after <= before  # nothing new
    # What remains is about the content (a mapped twin name, DTDL twins that show less), not the format.
    assert {(file, path) for file, path, _ in after} <= {
        ("config.json", "$.digital_twin_name"), ("twin_hierarchy/azure_hierarchy.json", "$.twins"),
    }


@pytest.mark.parametrize("name", ["predecessor_a", "predecessor_h", "multicloud"])
def test_migrating_again_changes_nothing(migrated, tmp_path, name):
    _, new, _ = migrated(name)
    migration = plan(load_project(new))
    assert {w.how for w in migration.written} == {"copied"} and migration.left_behind == ()
    code, _, err = migrate(new, tmp_path / "again")
    assert code == 0, err
    assert {p: (tmp_path / "again" / p).read_bytes() for p in files(tmp_path / "again")} == {
        p: (new / p).read_bytes() for p in files(new)}


@pytest.mark.slow
@pytest.mark.parametrize("name", ["predecessor_a", "predecessor_h", "multicloud"])
def test_the_migrated_project_synthesizes_the_same_stacks(synthesized, migrated, tmp_path, name):
    original = synthesized(name)
    _, new, _ = migrated(name)
    project = tmp_path / name
    shutil.copytree(new, project)
    run = run_entry_point(project, name, nag=False)  # compared by its files, not its findings
    assert run.code == 0, run.stderr[-3000:]
    migrated_files, original_files = outputs(run), outputs(original)
    assert migrated_files == original_files, first_difference(migrated_files, original_files)


HASH = re.compile(r"\b[0-9a-f]{64}\b")


def outputs(run) -> dict[str, object]:
    """Every file of the cloud assembly and the Terraform output (templates, tree, function
    bundles), asset hashes masked: the same stacks, the same code."""
    found: dict[str, object] = {}
    for root in (run.outdir, run.tf_outdir):
        for path in sorted(root.rglob("*")):
            if path.is_file():
                data = path.read_bytes()
                try:
                    content: object = HASH.sub("<asset hash>", data.decode("utf-8"))
                except UnicodeDecodeError:
                    content = data
                if path.name.endswith(".metadata.json") and isinstance(content, str):
                    content = without_traces(content)
                found[f"{root.name}/{HASH.sub('<asset hash>', path.relative_to(root).as_posix())}"] = content
    assert len(found) > 10
    return found


def first_difference(got: dict[str, object], expected: dict[str, object]) -> str:
    """Which files differ, and the first differing line of the first one (pytest's dict diff hides it)."""
    keys = sorted(set(got) ^ set(expected)) or sorted(k for k in got if got[k] != expected[k])
    first = keys[0]
    got_lines, expected_lines = (str(side.get(first, "<missing>")).splitlines() for side in (got, expected))
    line = next((n for n, (a, b) in enumerate(zip(got_lines, expected_lines, strict=False)) if a != b),
                min(len(got_lines), len(expected_lines)))
    return f"{len(keys)} files differ: {keys[:10]}; {first} line {line + 1}: {got_lines[line:line + 3]} != {expected_lines[line:line + 3]}"


# --- refusals ----------------------------------------------------------------------------------------


def test_a_project_that_does_not_load_is_not_migrated(tmp_path):
    old = copy_of("predecessor_a", tmp_path)
    (old / "config_optimization.json").write_text('{"integrateErrorHandling": true}')
    code, out, err = migrate(old, tmp_path / "new")
    assert code == 1 and out == ""
    assert "integrateErrorHandling" in err and "Nothing was written" in err
    assert not (tmp_path / "new").exists()


def test_the_new_folder_must_be_new_or_empty_and_outside_the_old(tmp_path):
    old = copy_of("predecessor_a", tmp_path)
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "keep.txt").write_text("mine")
    assert migrate(old, tmp_path / "taken")[0] == 2
    assert files(tmp_path / "taken") == {"keep.txt"}
    code, _, err = migrate(old, old / "migrated")
    assert code == 2 and "inside" in err
    (tmp_path / "empty").mkdir()
    assert migrate(old, tmp_path / "empty")[0] == 0


def test_a_result_that_is_not_the_same_twin_is_not_kept(tmp_path, monkeypatch):
    """The self-check can fail: a plan that drops a processor is caught and nothing is left."""
    from twin_ops.migrate import run as migrate_run

    real_plan = migrate_run.plan

    def dropping_a_processor(config):
        migration = real_plan(config)
        kept = tuple(w for w in migration.written if w.target != "processors/boiler-1/process.py")
        return type(migration)(kept, migration.left_behind)

    monkeypatch.setattr(migrate_run, "plan", dropping_a_processor)
    code, out, err = migrate(copy_of("predecessor_a", tmp_path), tmp_path / "new")
    assert code == 1 and out == ""
    assert "would not be the same twin (processors)" in err
    assert not (tmp_path / "new").exists()
