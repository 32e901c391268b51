"""The corpus of bad projects of issue #11: every class of broken or hostile input, one folder each.

Each case copies an example project, breaks one thing and names the report's first problem line
it must produce (`<file> <path>: ` and a fragment of what was expected). The expected lines are
written by hand from the project rules in the README, not taken from the loader's output.

Classes: 1 injection (text the toolchain would rewrite), 2 links and special files, 3 names,
4 malformed documents and wrong types, 5 limits, 6 silent failures (can never fire, cannot run),
7 limits found only while building the stacks (`late`: they synthesize first, so they are slow).

`python -m tests.hostile.corpus DIR` writes every case to DIR/<case id>/ (outside links point to
DIR/<case id>.outside/) for manual runs of `python app.py`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
AWS, AZURE, GOOGLE = "factory-floor", "factory-floor-azure", "factory-floor-gcp"
ACTIONS = "lambda_functions/event_actions"
SECRET = "-----BEGIN OPENSSH PRIVATE KEY----- (outside the project)\n"
STEP_FUNCTION = "state_machines/aws_step_function.json"
LOGIC_APP = "state_machines/azure_logic_app.json"
GOOGLE_WORKFLOW = "state_machines/google_cloud_workflow.json"


@dataclass(frozen=True)
class Case:
    id: str
    klass: int  # the class, 1-7
    build: Callable[[Path, Path], None]  # (project, outside folder) -> None
    first: str  # the first problem line starts with this: "<file> <path>: "
    fragment: str  # ... and contains this
    base: str = AWS
    late: bool = False  # only found while building the stacks (synth runs first)


# ---- editing helpers ------------------------------------------------------------------------


def read(project: Path, name: str) -> Any:
    return json.loads((project / name).read_text(encoding="utf-8"))


def write(project: Path, name: str, content: Any) -> None:
    path = project / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_text(json.dumps(content), encoding="utf-8")


def edit(name: str, change: Callable[[Any], Any]) -> Callable[[Path, Path], None]:
    """A builder applying `change` to one JSON file in place (its return value is ignored)."""

    def build(project: Path, outside: Path) -> None:
        data = read(project, name)
        change(data)
        write(project, name, data)

    return build


def replace(name: str, make: Callable[[Any], Any]) -> Callable[[Path, Path], None]:
    """A builder writing `make(old data)` as the new content of one JSON file."""
    return lambda project, outside: write(project, name, make(read(project, name)))


def text(name: str, content: str | bytes) -> Callable[[Path, Path], None]:
    return lambda project, outside: write(project, name, content)


def both(*builders: Callable[[Path, Path], None]) -> Callable[[Path, Path], None]:
    def build(project: Path, outside: Path) -> None:
        for builder in builders:
            builder(project, outside)

    return build


def setting(key: str, value: Any) -> Callable[[Path, Path], None]:
    def change(config: dict) -> None:
        if value is ...:
            del config[key]
        else:
            config[key] = value

    return edit("config.json", change)


def device(index: int, change: Callable[[dict], Any]) -> Callable[[Path, Path], None]:
    return edit("config_iot_devices.json", lambda devices: change(devices[index]))


def rule(index: int, change: Callable[[dict], Any]) -> Callable[[Path, Path], None]:
    return edit("config_events.json", lambda rules: change(rules[index]))


def providers(**changes: str) -> Callable[[Path, Path], None]:
    return edit("config_providers.json", lambda p: p.update(changes))


def states(change: Callable[[dict], Any]) -> Callable[[Path, Path], None]:
    return edit(STEP_FUNCTION, change)


def logic_app(change: Callable[[dict], Any]) -> Callable[[Path, Path], None]:
    return edit(LOGIC_APP, lambda document: change(document["definition"]))


def google_workflow(change: Callable[[dict], Any]) -> Callable[[Path, Path], None]:
    return edit(GOOGLE_WORKFLOW, change)


def set_in(path: tuple, value: Any) -> Callable[[Any], None]:
    def change(data: Any) -> None:
        node = data
        for part in path[:-1]:
            node = node[part]
        if value is ...:
            del node[path[-1]]
        else:
            node[path[-1]] = value

    return change


def rename_key(path: tuple, old: str, new: str) -> Callable[[Any], None]:
    def change(data: Any) -> None:
        node = data
        for part in path:
            node = node[part]
        node[new] = node.pop(old)

    return change


# ---- links and special files ----------------------------------------------------------------


def outside_files(outside: Path) -> None:
    (outside / "ssh").mkdir(parents=True, exist_ok=True)
    (outside / "ssh" / "id_rsa").write_text(SECRET)
    (outside / "process.py").write_text("def process(event):\n    return event\n")
    shutil.copyfile(EXAMPLES / AWS / "config.json", outside / "config.json")
    shutil.copyfile(EXAMPLES / AWS / STEP_FUNCTION, outside / "aws_step_function.json")


def link(relative: str, target: str | Path) -> Callable[[Path, Path], None]:
    """Replace project/relative with a link to outside/target (or to an absolute path)."""

    def build(project: Path, outside: Path) -> None:
        outside_files(outside)
        path = project / relative
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.symlink_to(target if isinstance(target, Path) else outside / target)

    return build


def inside_link(relative: str, target: str) -> Callable[[Path, Path], None]:
    def build(project: Path, outside: Path) -> None:
        (project / relative).symlink_to(project / target)

    return build


def fifo(relative: str) -> Callable[[Path, Path], None]:
    def build(project: Path, outside: Path) -> None:
        (project / relative).unlink()
        os.mkfifo(project / relative)

    return build


def unix_socket(relative: str) -> Callable[[Path, Path], None]:
    def build(project: Path, outside: Path) -> None:
        # Bound through a short relative path (AF_UNIX paths are short); the socket stays on disk.
        server = socket.socket(socket.AF_UNIX)
        cwd = os.getcwd()
        try:
            os.chdir(project / Path(relative).parent)
            server.bind(Path(relative).name)
        finally:
            os.chdir(cwd)
            server.close()

    return build


def empty_folder(relative: str) -> Callable[[Path, Path], None]:
    def build(project: Path, outside: Path) -> None:
        shutil.rmtree(project / relative)
        (project / relative).mkdir()

    return build


# ---- large and crafted inputs ---------------------------------------------------------------


def many_devices(count: int) -> Callable[[Path, Path], None]:
    def build(project: Path, outside: Path) -> None:
        devices = [{"id": f"sensor-{n:05d}", "properties": [{"name": "level", "dataType": "DOUBLE"}]} for n in range(count)]
        write(project, "config_iot_devices.json", devices)
        write(project, "config_hierarchy.json", [{"type": "entity", "id": "site", "children": []}])
        write(project, "config_events.json", [])
        for folder in (project / "processors").iterdir():
            shutil.rmtree(folder)
        (project / "iot_device_simulator" / "payloads.json").unlink(missing_ok=True)  # it names the example's devices

    return build


def same_device_shard(count: int) -> list[str]:
    """`count` device ids that all hash to AWS L1 device shard 0 (sha256 mod 128, as the fleet does)."""
    found, n = [], 0
    while len(found) < count:
        candidate = f"dev-{n}"
        if int.from_bytes(hashlib.sha256(candidate.encode()).digest()[:8], "big") % 128 == 0:
            found.append(candidate)
        n += 1
    return found


def only_on_aws(*layers: str) -> Callable[[Path, Path], None]:
    """Every other layer on Azure, no event checking: synth reaches the failing AWS stack first."""

    def build(project: Path, outside: Path) -> None:
        keys = ("1", "2", "3_hot", "3_cold", "3_archive", "4", "5")
        write(project, "config_providers.json",
              {f"layer_{k}_provider": "aws" if k in layers else "azure" for k in keys})
        write(project, "config_optimization.json", {"result": {"inputParamsUsed": {}}})
        write(project, "config_events.json", [])

    return build


def overfull_device_shard(project: Path, outside: Path) -> None:
    many_devices(0)(project, outside)
    write(
        project,
        "config_iot_devices.json",
        [{"id": d, "properties": [{"name": "level", "dataType": "DOUBLE"}]} for d in same_device_shard(91)],
    )


def overfull_entity_shard(project: Path, outside: Path) -> None:
    """451 root entities in one TwinMaker entity shard (crc32 mod 16, as the entities construct does)."""
    ids, n = [], 0
    while len(ids) < 451:
        candidate = f"area-{n}"
        if zlib.crc32(candidate.encode()) % 16 == 0:
            ids.append(candidate)
        n += 1
    write(project, "config_hierarchy.json", [{"type": "entity", "id": i, "children": []} for i in ids])


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def huge_id(megabytes: int) -> Callable[[Path, Path], None]:
    def build(project: Path, outside: Path) -> None:
        devices = read(project, "config_iot_devices.json")
        devices[0]["id"] = "x" * (megabytes * 1024 * 1024)
        write(project, "config_iot_devices.json", devices)

    return build


def device_with_properties(count: int) -> Callable[[dict], None]:
    return lambda d: d.update(properties=[{"name": f"p{n}", "dataType": "DOUBLE"} for n in range(count)])


LONG_TWIN = "t" * 30


# ---- the surfaces of issue #28: YAML workflows, 3D scenes, processors ---------------------------------

YAML_WORKFLOW = "state_machines/google_cloud_workflow.yaml"
YAML_STEPS = ("main:\n  params: [input]\n  steps:\n    - notify:\n        call: http.post\n        args:\n"
              "          url: ${input.FunctionA_URL}\n          auth: {type: OIDC}\n          body: ${input.InputData}\n")


def yaml_workflow(text: str) -> Callable[[Path, Path], None]:
    """The Google workflow as YAML (read before the example's JSON, which is then named unused)."""
    return lambda project, outside: write(project, YAML_WORKFLOW, text)


def billion_laughs() -> str:
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join([f'*{chr(97 + n)}'] * 9)}]" for n in range(8)]
    return "\n".join(lines) + "\n" + YAML_STEPS


AWS_SCENE = "scene_assets/aws/scene.json"
AZURE_SCENE = "scene_assets/azure/3DScenesConfiguration.json"


def with_scene(change: Callable[[dict], Any], cloud: str = "aws") -> Callable[[Path, Path], None]:
    """needs3DModel on, a scene of layer 4's cloud with one model file, then `change` applied to it."""

    def build(project: Path, outside: Path) -> None:
        optimization = read(project, OPT)
        optimization["result"]["inputParamsUsed"]["needs3DModel"] = True
        write(project, OPT, optimization)
        write(project, f"scene_assets/{cloud}/plant.glb", b"glTF\x02\x00\x00\x00")
        if cloud == "aws":
            scene: dict = {"specVersion": "1.0", "version": "1", "rootNodeIndexes": [0], "nodes": [
                {"name": "hall", "transform": {"position": [0, 0, 0]},
                 "components": [{"type": "ModelRef", "uri": "plant.glb", "modelType": "GLB"}]}]}
        else:
            scene = {"$schema": "https://github.com/microsoft/iot-cardboard-js/tree/main/schemas/3DScenesConfiguration/"
                                "v1.0.0/3DScenesConfiguration.schema.json",
                     "configuration": {"scenes": [{"id": "plant", "displayName": "Plant", "behaviorIDs": [], "elements": [],
                                                   "assets": [{"type": "3DAsset", "url": "{{STORAGE_URL}}/plant.glb"}]}],
                                       "behaviors": [], "layers": []}}
        change(scene)
        write(project, AWS_SCENE if cloud == "aws" else AZURE_SCENE, scene)

    return build


# ---- the cases ------------------------------------------------------------------------------

C = "config.json"
P = "config_providers.json"
D = "config_iot_devices.json"
H = "config_hierarchy.json"
E = "config_events.json"
OPT = "config_optimization.json"
FLAGS = "$.result.inputParamsUsed"

DTDL = "twin_hierarchy/azure_hierarchy.json"


def dtdl_interface(name: str, **extra: Any) -> dict:
    return {"@id": f"dtmi:x:{name};1", "@type": "Interface", "@context": "dtmi:dtdl:context;3", **extra}


def dtdl_diamond(levels: int, width: int) -> list[dict]:
    """Every Interface extends every one of the level above: width ** levels paths to the root."""
    models, above = [dtdl_interface("Root")], ["dtmi:x:Root;1"]
    for level in range(1, levels + 1):
        here = [f"L{level}x{i}" for i in range(width)]
        models += [dtdl_interface(name, extends=above) for name in here]
        above = [f"dtmi:x:{name};1" for name in here]
    return models


CASES: list[Case] = [
    # 1: text the toolchain would rewrite into references (Terraform escaping covers ${ and %{)
    Case("token-in-const", 1, device(0, lambda d: d["constProperties"][0].update(value="${Token[TOKEN.12]}")),
         f"{D} $[0].constProperties[0].value: ", "CDK placeholders"),
    Case("tftoken-in-payload", 1, rule(0, lambda r: r["action"]["feedback"].update(payload="${TfToken[TOKEN.0]}")),
         f"{E} $[0].action.feedback.payload: ", "CDK placeholders"),
    Case("list-token-in-workflow", 1, states(lambda s: s.update(Comment="#{Token[TOKEN.3]}")),
         f"{STEP_FUNCTION} $.Comment: ", "CDK placeholders"),
    Case("tftoken-in-logic-app", 1,
         logic_app(lambda d: d["actions"]["FunctionA"]["inputs"]["headers"].update({"X-Leak": "${TfToken[TOKEN.7]}"})),
         f"{LOGIC_APP} $.definition.actions.FunctionA.inputs.headers.X-Leak: ", "CDK placeholders", base=AZURE),
    Case("interpolation-in-logic-app-action-name", 1,
         logic_app(lambda d: d["actions"].update({"${random_password.x.result}": {"type": "Http", "inputs": {}}})),
         f'{LOGIC_APP} $.definition.actions["${{random_password.x.result}}"]: ', "Logic Apps trigger and action names",
         base=AZURE),
    # 2: links out of the project, special files
    Case("link-action-folder-to-etc", 2, link(f"{ACTIONS}/log-incident", Path("/etc")),
         f"{ACTIONS}/log-incident $: ", "not a link to /etc (outside the project)"),
    Case("link-action-file-to-id-rsa", 2, link(f"{ACTIONS}/log-incident/id_rsa", "ssh/id_rsa"),
         f"{ACTIONS}/log-incident/id_rsa $: ", "outside the project"),
    Case("link-deep-folder-in-action", 2, link(f"{ACTIONS}/log-incident/lib/vendor/keys", "ssh"),
         f"{ACTIONS}/log-incident/lib/vendor/keys $: ", "outside the project"),
    Case("link-functions-folder", 2, link("lambda_functions", "."), "lambda_functions $: ", "outside the project"),
    Case("link-processor-file", 2, link("processors/press-01/process.py", "process.py"),
         "processors/press-01/process.py $: ", "outside the project"),
    Case("link-processor-folder", 2, link("processors/press-01", "."), "processors/press-01 $: ", "outside the project"),
    Case("link-processors-folder", 2, link("processors", "."), "processors $: ", "outside the project"),
    Case("link-config-file", 2, link(C, "config.json"), f"{C} $: ", "outside the project"),
    Case("link-workflow-file", 2, link(STEP_FUNCTION, "aws_step_function.json"), f"{STEP_FUNCTION} $: ", "outside the project"),
    Case("link-action-to-passwd", 2, link(f"{ACTIONS}/log-incident/passwd", Path("/etc/passwd")),
         f"{ACTIONS}/log-incident/passwd $: ", "not a link to /etc/passwd"),
    Case("fifo-config", 2, fifo(C), f"{C} $: ", "not a FIFO"),
    Case("fifo-processor", 2, fifo("processors/press-01/process.py"), "processors/press-01/process.py $: ", "not a FIFO"),
    Case("socket-in-action", 2, unix_socket(f"{ACTIONS}/log-incident/s"), f"{ACTIONS}/log-incident/s $: ", "not a socket"),
    Case("folder-link-loop", 2, inside_link(f"{ACTIONS}/log-incident/again", f"{ACTIONS}/log-incident"),
         f"{ACTIONS}/log-incident/again $: ", "does not point back"),
    Case("dangling-processor", 2, link("processors/press-01/process.py", Path("/nonexistent/x.py")),
         "processors/press-01/process.py $: ", "outside the project"),
    # 3: names
    Case("twin-name-dash-only", 3, setting("digital_twin_name", "-"), f"{C} $.digital_twin_name: ", "at least one letter or digit"),
    Case("twin-name-underscores-only", 3, setting("digital_twin_name", "__"), f"{C} $.digital_twin_name: ", "at least one letter"),
    Case("twin-name-space", 3, setting("digital_twin_name", "my twin"), f"{C} $.digital_twin_name: ", "^[A-Za-z0-9_-]+$"),
    Case("twin-name-31", 3, setting("digital_twin_name", "x" * 31), f"{C} $.digital_twin_name: ", "1-30 characters"),
    Case("twin-name-umlaut", 3, setting("digital_twin_name", "zwölf"), f"{C} $.digital_twin_name: ", "^[A-Za-z0-9_-]+$"),
    Case("twin-name-dot", 3, setting("digital_twin_name", "a.b"), f"{C} $.digital_twin_name: ", "^[A-Za-z0-9_-]+$"),
    Case("twin-name-number", 3, setting("digital_twin_name", 42), f"{C} $.digital_twin_name: ", "got 42"),
    Case("twin-name-empty", 3, setting("digital_twin_name", ""), f"{C} $.digital_twin_name: ", "1-30 characters"),
    Case("device-ids-fold-together", 3, device(1, lambda d: d.update(id="Press_01")), f"{D} $[1].id: ", "ignoring case"),
    Case("device-id-too-long-for-thing-name", 3,
         both(setting("digital_twin_name", LONG_TWIN), device(3, lambda d: d.update(id="d" * 98))),
         f"{D} $[3].id: ", "1-97 characters"),
    Case("device-id-slash", 3, device(0, lambda d: d.update(id="a/b")), f"{D} $[0].id: ", "^[A-Za-z0-9_-]+$"),
    Case("entity-id-one-char-on-twinmaker", 3, edit(H, set_in((0, "id"), "p")), f"{H} $[0].id: ", "IoT TwinMaker entity id"),
    Case("entity-id-trailing-dash-on-twinmaker", 3, edit(H, set_in((0, "id"), "plant-")), f"{H} $[0].id: ", "TwinMaker entity id"),
    Case("entity-id-equals-device-on-adt", 3, edit(H, set_in((0, "id"), "press-01")), f"{H} $[0].id: ",
         "an id other than a device's", base=AZURE),
    Case("property-names-with-one-dtdl-form-on-adt", 3,
         device(0, lambda d: d["properties"].extend([{"name": "temp-c", "dataType": "DOUBLE"},
                                                     {"name": "temp_c", "dataType": "DOUBLE"}])),
         f"{D} $[0].properties", "both would be 'temp_c'", base=AZURE),
    Case("property-name-lastUpdate-on-adt", 3, device(0, lambda d: d["properties"][0].update(name="lastUpdate")),
         f"{D} $[0].properties[0].name: ", "defines 'lastUpdate' itself", base=AZURE),
    Case("property-name-id", 3, device(0, lambda d: d["properties"][0].update(name="id")),
         f"{D} $[0].properties[0].name: ", "reserved"),
    Case("function-names-fold-together", 3, rule(1, lambda r: r["action"].update(functionNameB="High_Temperature_Callback")),
         f"{E} $[1].action.functionNameB: ", "ignoring case"),
    Case("function-name-too-long", 3,
         both(setting("digital_twin_name", LONG_TWIN), rule(0, lambda r: r["action"].update(functionName="f" * 26))),
         f"{E} $[0].action.functionName: ", "at most 25 characters"),
    Case("component-name-space", 3, edit(H, set_in((0, "children", 0, "children", 0, "children", 0, "children", 0, "name"), "a b")),
         f"{H} $[0].children[0].children[0].children[0].children[0].name: ", "component name"),
    Case("logic-app-trigger-name-slash", 3, logic_app(lambda d: d.update(triggers={"a/b": d["triggers"]["manual"]})),
         f'{LOGIC_APP} $.definition.triggers["a/b"]: ',
         "Logic Apps trigger and action names", base=AZURE),
    # 4: documents and types
    *[
        Case(f"null-{name.split('.')[0]}", 4, text(name, "null"), f"{name} $: ", "not null")
        for name in (C, P, D, H, E, OPT)
    ],
    Case("not-utf8-config", 4, text(C, b'{"digital_twin_name": "caf\xe9"}'), f"{C} $: ", "UTF-8 text"),
    Case("nul-byte-devices", 4, text(D, b"[\x00]"), f"{D} $: ", "valid JSON"),
    Case("escaped-nul-in-name", 4, device(0, lambda d: d.update(id="press\u0000")), f"{D} $[0].id: ", "NUL"),
    Case("lone-surrogate", 4, text(E, '[{"condition": "a > b", "action": {"type": "lambda", "functionName": "\\ud800"}}]'),
         f"{E} $[0].action.functionName: ", "lone surrogate"),
    Case("nested-5000-devices", 4, text(D, nested(5000)), f"{D} $: ", "nested at most 64"),
    Case("nested-80-hierarchy", 4, text(H, nested(80)), f"{H} $", "nested at most 64"),
    Case("duplicate-mode", 4, text(C, '{"digital_twin_name": "t", "hot_storage_size_in_days": 1, '
                                  '"cold_storage_size_in_days": 1, "mode": "PRODUCTION", "mode": "DEBUG"}'),
         f"{C} $.mode: ", "appears once"),
    Case("duplicate-device-key", 4, text(D, '[{"id": "a", "id": "b", "properties": []}]'), f"{D} $[0].id: ", "appears once"),
    Case("nan-days", 4, text(C, '{"digital_twin_name": "t", "hot_storage_size_in_days": NaN, '
                                '"cold_storage_size_in_days": 1, "mode": "DEBUG"}'),
         f"{C} $.hot_storage_size_in_days: ", "not a JSON number"),
    Case("infinity-init-value", 4, text(D, '[{"id": "a", "properties": [{"name": "x", "dataType": "DOUBLE", "initValue": Infinity}]}]'),
         f"{D} $[0].properties[0].initValue: ", "not a JSON number"),
    Case("float-overflow", 4, text(D, '[{"id": "a", "properties": [{"name": "x", "dataType": "DOUBLE", "initValue": 1e400}]}]'),
         f"{D} $[0].properties[0].initValue: ", "beyond a 64-bit float"),
    Case("unknown-key-Mode", 4, both(setting("mode", ...), setting("Mode", "PRODUCTION")), f"{C} $.Mode: ", "did you mean 'mode'"),
    Case("unknown-key-twin-name-case", 4, edit(C, rename_key((), "digital_twin_name", "Digital_Twin_Name")),
         f"{C} $.Digital_Twin_Name: ", "did you mean 'digital_twin_name'"),
    Case("unknown-key-provider", 4, edit(P, rename_key((), "layer_4_provider", "layer_4_Provider")),
         f"{P} $.layer_4_Provider: ", "did you mean 'layer_4_provider'"),
    Case("unknown-key-device", 4, device(0, lambda d: d.update(Properties=d.pop("properties"))), f"{D} $[0].Properties: ", "did you mean"),
    Case("unknown-key-property", 4, device(0, lambda d: d["properties"][0].update(datatype=d["properties"][0].pop("dataType"))),
         f"{D} $[0].properties[0].datatype: ", "did you mean 'dataType'"),
    Case("unknown-key-entity", 4, edit(H, rename_key((0,), "children", "Children")), f"{H} $[0].Children: ", "did you mean 'children'"),
    Case("unknown-key-rule", 4, rule(0, lambda r: r.update(Condition=r.pop("condition"))), f"{E} $[0].Condition: ", "did you mean"),
    Case("unknown-key-action", 4, rule(0, lambda r: r["action"].update(autodeploy=False)), f"{E} $[0].action.autodeploy: ",
         "did you mean 'autoDeploy'"),
    Case("unknown-key-feedback", 4, rule(0, lambda r: r["action"]["feedback"].update(payLoad=1)),
         f"{E} $[0].action.feedback.payLoad: ", "did you mean 'payload'"),
    Case("unknown-key-flags", 4, edit(OPT, lambda o: o["result"].update(InputParamsUsed=o["result"].pop("inputParamsUsed"))),
         f"{OPT} $.result.InputParamsUsed: ", "did you mean 'inputParamsUsed'"),
    Case("unknown-flag", 4, edit(OPT, lambda o: o["result"]["inputParamsUsed"].update(useEventCheck=True)),
         f"{OPT} {FLAGS}.useEventCheck: ", "did you mean 'useEventChecking'"),
    Case("const-double-is-text", 4, device(0, lambda d: d["constProperties"][1].update(value="lots")),
         f"{D} $[0].constProperties[1].value: ", "DOUBLE property"),
    Case("const-string-is-number", 4, device(0, lambda d: d["constProperties"][0].update(value=5)),
         f"{D} $[0].constProperties[0].value: ", "STRING property"),
    Case("init-boolean-is-text", 4, device(2, lambda d: d["properties"][1].update(initValue="false")),
         f"{D} $[2].properties[1].initValue: ", "BOOLEAN property"),
    Case("init-integer-is-fraction", 4, device(2, lambda d: d["properties"][2].update(initValue=1.5)),
         f"{D} $[2].properties[2].initValue: ", "INTEGER property"),
    Case("const-double-is-bool", 4, device(0, lambda d: d["constProperties"][1].update(value=True)),
         f"{D} $[0].constProperties[1].value: ", "DOUBLE property"),
    Case("properties-is-object", 4, device(0, lambda d: d.update(properties={})), f"{D} $[0].properties: ", "an array"),
    Case("data-type-lowercase", 4, device(0, lambda d: d["properties"][0].update(dataType="double")),
         f"{D} $[0].properties[0].dataType: ", "one of STRING"),
    Case("children-is-text", 4, edit(H, set_in((0, "children"), "none")), f"{H} $[0].children: ", "an array"),
    Case("hierarchy-node-number", 4, edit(H, lambda h: h.append(7)), f"{H} $[1].type: ", '"entity"'),
    Case("action-is-list", 4, rule(0, lambda r: r.update(action=[])), f"{E} $[0].action: ", "an action object"),
    Case("feedback-is-text", 4, rule(0, lambda r: r["action"].update(feedback="slow down")), f"{E} $[0].action.feedback: ",
         "a feedback object"),
    Case("auto-deploy-is-text", 4, rule(0, lambda r: r["action"].update(autoDeploy="yes")), f"{E} $[0].action.autoDeploy: ",
         "true or false"),
    Case("flag-is-text", 4, edit(OPT, lambda o: o["result"]["inputParamsUsed"].update(useEventChecking="true")),
         f"{OPT} {FLAGS}.useEventChecking: ", "true or false"),
    Case("provider-is-number", 4, providers(layer_2_provider=1), f"{P} $.layer_2_provider: ", "a provider"),
    Case("days-is-text", 4, setting("hot_storage_size_in_days", "30"), f"{C} $.hot_storage_size_in_days: ", "whole number"),
    Case("mode-lowercase", 4, setting("mode", "production"), f"{C} $.mode: ", "one of DEBUG, PRODUCTION"),
    Case("logic-app-definition-is-text", 4, edit(LOGIC_APP, set_in(("definition",), "{}")), f"{LOGIC_APP} $.definition: ",
         "workflow definition object", base=AZURE),
    Case("logic-app-definition-is-list", 4, edit(LOGIC_APP, set_in(("definition",), [])), f"{LOGIC_APP} $.definition: ",
         "workflow definition object", base=AZURE),
    Case("step-function-is-list", 4, text(STEP_FUNCTION, "[]"), f"{STEP_FUNCTION} $: ", "must be object (asl-validator"),
    Case("component-type-id-is-number", 4,
         edit(H, set_in((0, "children", 1, "children", 0), {"type": "component", "name": "x", "componentTypeId": 3})),
         f"{H} $[0].children[1].children[0].componentTypeId: ", "a string"),
    Case("invalid-json", 4, text(P, '{"layer_1_provider": "aws",'), f"{P} $: ", "valid JSON"),
    # 5: limits
    Case("days-ten-to-thirty", 5, setting("cold_storage_size_in_days", 10**30), f"{C} $.cold_storage_size_in_days: ", "at most 20"),
    Case("hot-days-beyond-cosmos-ttl", 5, setting("hot_storage_size_in_days", 24_856), f"{C} $.hot_storage_size_in_days: ",
         "from 1 to 24,855"),
    Case("cold-days-too-many", 5, setting("cold_storage_size_in_days", 100_000), f"{C} $.cold_storage_size_in_days: ",
         "from 1 to 99,999"),
    Case("id-of-50-mb", 5, huge_id(50), f"{D} $: ", "at most 16 MB"),
    Case("id-of-2-mb", 5, huge_id(2), f"{D} $[0].id: ", "1-"),
    Case("devices-20000", 5, many_devices(20_000), f"{D} $: ", "at most 10,000 devices"),
    Case("properties-101", 5, device(0, device_with_properties(101)), f"{D} $[0]: ", "at most 100 properties"),
    Case("string-const-257", 5, device(0, lambda d: d["constProperties"][0].update(value="s" * 257)),
         f"{D} $[0].constProperties[0].value: ", "1-256 characters"),
    Case("integer-beyond-32-bits", 5, device(2, lambda d: d["properties"][2].update(initValue=2**31)),
         f"{D} $[2].properties[2].initValue: ", "within 32 bits"),
    Case("long-beyond-64-bits", 5, device(0, lambda d: d["properties"][2].update(initValue=2**63)),
         f"{D} $[0].properties[2].initValue: ", "within 64 bits"),
    Case("double-beyond-bound", 5, device(0, lambda d: d["constProperties"][1].update(value=-1.8881545897087626e289)),
         f"{D} $[0].constProperties[1].value: ", "within ±1e+100"),
    Case("condition-too-long", 5, rule(0, lambda r: r.update(condition="temperature > DOUBLE(" + "9" * 2000 + ")")),
         f"{E} $[0].condition: ", "at most 1024 characters"),
    Case("payload-too-large", 5, rule(0, lambda r: r["action"]["feedback"].update(payload="p" * 20_000)),
         f"{E} $[0].action.feedback.payload: ", "at most 16 KB"),
    Case("rules-1001", 5, replace(E, lambda rules: rules * 501), f"{E} $: ", "at most 1,000 event rules"),
    Case("components-11", 5, edit(H, set_in((0, "children", 1, "children"),
                                            [{"type": "component", "name": f"c{n}", "iotDeviceId": "air-quality-01"}
                                             for n in range(11)])),
         f"{H} $[0].children[1].children: ", "at most 10 components"),
    Case("google-workflow-over-128-kb", 5, google_workflow(lambda w: w["main"].update(padding="p" * 140_000)),
         f"{GOOGLE_WORKFLOW} $: ", "at most 128 KB", base=GOOGLE),
    Case("config-over-1-mb", 5, setting("padding", "p" * 1_100_000), f"{C} $: ", "at most 1 MB"),
    Case("entities-10001", 5, replace(H, lambda h: [{"type": "entity", "id": f"e{n:05d}"} for n in range(10_001)]),
         f"{H} $: ", "at most 10,000 entities"),
    # 6: no dangerous silence
    Case("condition-unknown-property", 6, rule(0, lambda r: r.update(condition="a.b.temprature > DOUBLE(80)")),
         f"{E} $[0].condition: ", "no device has 'temprature'"),
    Case("condition-double-nan", 6, rule(0, lambda r: r.update(condition="temperature > DOUBLE(nan)")),
         f"{E} $[0].condition: ", "never"),
    Case("condition-double-inf", 6, rule(0, lambda r: r.update(condition="temperature < DOUBLE(inf)")),
         f"{E} $[0].condition: ", "never"),
    Case("condition-text-vs-number", 6, rule(0, lambda r: r.update(condition="temperature == STRING(hot)")),
         f"{E} $[0].condition: ", "could never fire"),
    Case("empty-action-folder", 6, empty_folder(f"{ACTIONS}/log-incident"),
         f"{ACTIONS}/log-incident/lambda_function.py $: ", "lambda_handler()"),
    Case("action-without-handler", 6, text(f"{ACTIONS}/log-incident/lambda_function.py", "def handler(event, context):\n    pass\n"),
         f"{ACTIONS}/log-incident/lambda_function.py $: ", "lambda_handler()"),
    Case("function-action-on-aws", 6, rule(0, lambda r: r["action"].update(type="function")), f"{E} $[0].action.type: ",
         "layer 2's cloud (aws) runs: lambda or step_function"),
    Case("logic-app-action-on-aws", 6, rule(1, lambda r: r["action"].update(type="logic_app")), f"{E} $[1].action.type: ",
         "layer 2's cloud (aws)"),
    Case("step-function-on-azure", 6, rule(1, lambda r: r["action"].update(type="step_function")), f"{E} $[1].action.type: ",
         "layer 2's cloud (azure)", base=AZURE),
    Case("step-start-at-unknown", 6, states(lambda s: s.update(StartAt="Nowhere")), f"{STEP_FUNCTION} $.StartAt: ",
         "('Nowhere' is none) (asl-validator"),
    Case("step-states-not-object", 6, states(lambda s: s.update(States=[])), f"{STEP_FUNCTION} $.States: ",
         "must be object (asl-validator"),
    Case("step-states-empty", 6, states(lambda s: s.update(States={})), f"{STEP_FUNCTION} $.StartAt: ", "'LambdaA' is none"),
    Case("step-next-unknown", 6, states(set_in(("States", "LambdaA", "Next"), "LambdaC")),
         f"{STEP_FUNCTION} $.States.LambdaA.Next: ", "'LambdaC' is none"),
    Case("step-unknown-type", 6, states(set_in(("States", "LambdaA", "Type"), "Lambda")),
         f"{STEP_FUNCTION} $.States.LambdaA.Type: ", "allowed values (asl-validator"),
    Case("step-no-next-no-end", 6, states(set_in(("States", "LambdaB", "End"), ...)),
         f"{STEP_FUNCTION} $.States: ", "at least one terminal state"),
    Case("step-task-without-resource", 6, states(set_in(("States", "LambdaA", "Resource"), ...)),
         f"{STEP_FUNCTION} $.States.LambdaA.Type: ", "allowed values (asl-validator"),
    Case("step-choice-next-unknown", 6,
         states(set_in(("States", "LambdaA"), {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": True, "Next": "Gone"}],
                                               "Default": "LambdaB"})),
         f"{STEP_FUNCTION} $.States.LambdaA.Choices[0].Next: ", "'Gone' is none"),
    Case("step-parallel-branch-broken", 6,
         states(set_in(("States", "LambdaA"), {"Type": "Parallel", "Branches": [{"StartAt": "X", "States": {}}], "Next": "LambdaB"})),
         f"{STEP_FUNCTION} $.States.LambdaA.Branches[0].StartAt: ", "'X' is none"),
    Case("step-placeholder-of-predecessor", 6, text(STEP_FUNCTION, '{"StartAt": "x", "States": {}}'),
         f"{STEP_FUNCTION} $.StartAt: ", "'x' is none"),
    Case("logic-app-no-trigger", 6, logic_app(lambda d: d.update(triggers={})), f"{LOGIC_APP} $.definition.triggers: ",
         "exactly one trigger", base=AZURE),
    Case("logic-app-two-triggers", 6, logic_app(lambda d: d["triggers"].update(second=d["triggers"]["manual"])),
         f"{LOGIC_APP} $.definition.triggers: ", "exactly one trigger", base=AZURE),
    Case("logic-app-recurrence-trigger", 6, logic_app(lambda d: d["triggers"]["manual"].update(type="Recurrence")),
         f"{LOGIC_APP} $.definition.triggers.manual.type: ", '"Request"', base=AZURE),
    Case("logic-app-no-actions", 6, logic_app(lambda d: d.update(actions={})), f"{LOGIC_APP} $.definition.actions: ",
         "at least one action", base=AZURE),
    Case("logic-app-run-after-unknown", 6, logic_app(lambda d: d["actions"]["FunctionB"].update(runAfter={"FunctionC": ["Succeeded"]})),
         f"{LOGIC_APP} $.definition.actions.FunctionB.runAfter.FunctionC: ", "another action", base=AZURE),
    Case("logic-app-action-without-type", 6, logic_app(lambda d: d["actions"]["FunctionA"].pop("type")),
         f"{LOGIC_APP} $.definition.actions.FunctionA: ", "an action object with a type", base=AZURE),
    Case("logic-app-parameters", 6, logic_app(lambda d: d.update(parameters={"p": {"type": "String"}})),
         f"{LOGIC_APP} $.definition.parameters: ", "no workflow parameters", base=AZURE),
    Case("google-main-without-steps", 6, google_workflow(lambda w: w["main"].pop("steps")),
         f"{GOOGLE_WORKFLOW} $.main.steps: ", "non-empty array of steps", base=GOOGLE),
    Case("google-steps-empty", 6, google_workflow(lambda w: w["main"].update(steps=[])),
         f"{GOOGLE_WORKFLOW} $.main.steps: ", "non-empty", base=GOOGLE),
    Case("google-step-two-keys", 6, google_workflow(lambda w: w["main"]["steps"][0].update(extra={})),
         f"{GOOGLE_WORKFLOW} $.main.steps[0]: ", "one key", base=GOOGLE),
    Case("google-no-main", 6, text(GOOGLE_WORKFLOW, '{"steps": []}'), f"{GOOGLE_WORKFLOW} $.main: ", "the main workflow",
         base=GOOGLE),
    Case("error-handling-flag", 6, edit(OPT, lambda o: o["result"]["inputParamsUsed"].update(integrateErrorHandling=True)),
         f"{OPT} {FLAGS}.integrateErrorHandling: ", "not supported"),
    # DTDL (issues #23, #28): the official parser's verdict, not a hang or an upload failure after deploy
    Case("dtdl-extends-cycle", 6, text(DTDL, json.dumps({"models": [dtdl_interface("A", extends="dtmi:x:B;1"),
                                                                     dtdl_interface("B", extends="dtmi:x:A;1")]})),
         f"{DTDL} $.models[", "chain of 'extends' properties that includes itself", base=AZURE),  # either model first
    Case("dtdl-diamond-past-the-limits", 5, text(DTDL, json.dumps({"models": dtdl_diamond(9, 4)})),
         f"{DTDL} $.models", "the allowed maximum count is 1024", base=AZURE),
    # 7: found while building the stacks: reported the same way, no output left behind
    # issue #28: YAML workflows read as the JSON Cloud Workflows reads, bounded while being read
    Case("yaml-nested-3000", 5, yaml_workflow("[" * 3000 + "]" * 3000), f"{YAML_WORKFLOW} $: ", "nested at most 64",
         base=GOOGLE),
    Case("yaml-block-nested-4000", 5, yaml_workflow("- " * 4000 + "x\n"), f"{YAML_WORKFLOW} $[0]", "nested at most 64",
         base=GOOGLE),
    Case("yaml-billion-laughs", 5, yaml_workflow(billion_laughs()), f"{YAML_WORKFLOW} $.a: ", "without a YAML anchor",
         base=GOOGLE),
    Case("yaml-binary", 4, yaml_workflow(YAML_STEPS + "    - done:\n        return: !!binary aGk=\n"),
         f"{YAML_WORKFLOW} $.main.steps[1].done.return: ", "!!binary at line 11", base=GOOGLE),
    Case("yaml-set", 4, yaml_workflow(YAML_STEPS + "    - done:\n        return: !!set {a, b}\n"),
         f"{YAML_WORKFLOW} $.main.steps[1].done.return: ", "!!set", base=GOOGLE),
    Case("yaml-python-object", 1, yaml_workflow("main: !!python/object/apply:os.system [id]\n"),
         f"{YAML_WORKFLOW} $.main: ", "without a YAML tag", base=GOOGLE),
    Case("yaml-merge-key", 4, yaml_workflow(YAML_STEPS.replace("auth: {type: OIDC}", "<<: {auth: {type: OIDC}}")),
         f'{YAML_WORKFLOW} $.main.steps[0].notify.args["<<"]: ', "no YAML merge key", base=GOOGLE),
    Case("yaml-number-key", 4, yaml_workflow(YAML_STEPS + "    - 2024: {return: 1}\n"),
         f'{YAML_WORKFLOW} $.main.steps[1]["2024"]: ', "a mapping key that is text", base=GOOGLE),
    Case("yaml-two-documents", 4, yaml_workflow(YAML_STEPS + "---\n" + YAML_STEPS), f"{YAML_WORKFLOW} $: ", "one YAML document",
         base=GOOGLE),
    Case("yaml-directive", 4, yaml_workflow("%YAML 1.1\n---\n" + YAML_STEPS), f"{YAML_WORKFLOW} $: ", "directives",
         base=GOOGLE),
    Case("yaml-nan", 4, yaml_workflow(YAML_STEPS + "    - done:\n        return: .NaN\n"),
         f"{YAML_WORKFLOW} $.main.steps[1].done.return: ", "not a JSON number", base=GOOGLE),
    Case("yaml-tftoken", 1, yaml_workflow(YAML_STEPS + "    - done:\n        return: \"${TfToken[TOKEN.1]}\"\n"),
         f"{YAML_WORKFLOW} $.main.steps[1].done.return: ", "CDK placeholders", base=GOOGLE),
    Case("yaml-control-character", 4, yaml_workflow(YAML_STEPS + "    - done: {return: \"\x07\"}\n"),
         f"{YAML_WORKFLOW} $: ", "control characters", base=GOOGLE),
    # issue #28: processors with a NUL character
    Case("processor-nul", 4, text("processors/press-01/process.py", "def process(event):\n    return event\x00\n"),
         "processors/press-01/process.py line 2: ", "NUL character at column 17"),
    # issue #28: 3D scenes load only the project's or the twin's own assets, show no markup
    Case("scene-model-in-another-bucket", 2,
         with_scene(lambda s: s["nodes"][0]["components"][0].update(uri="s3://someone-elses-bucket/models/x.glb")),
         f"{AWS_SCENE} $.nodes[0].components[0].uri: ", "points elsewhere"),
    Case("scene-model-javascript", 1, with_scene(lambda s: s["nodes"][0]["components"][0].update(uri="javascript:alert(1)")),
         f"{AWS_SCENE} $.nodes[0].components[0].uri: ", "points elsewhere"),
    Case("scene-node-name-script", 1, with_scene(lambda s: s["nodes"][0].update(name="<script>alert(1)</script>")),
         f"{AWS_SCENE} $.nodes[0].name: ", "without markup"),
    Case("scene-tag-link-javascript", 1,
         with_scene(lambda s: s["nodes"][0]["components"].append({"type": "Tag", "navLink": {"destination": "javascript:x()"}})),
         f"{AWS_SCENE} $.nodes[0].components[1].navLink.destination: ", "no javascript: URL"),
    Case("studio-asset-javascript", 1,
         with_scene(lambda d: d["configuration"]["scenes"][0]["assets"][0].update(url="javascript:alert(1)"), "azure"),
         f"{AZURE_SCENE} $.configuration.scenes[0].assets[0].url: ", "the twin's own blob container", base=AZURE),
    Case("studio-asset-data", 1,
         with_scene(lambda d: d["configuration"]["scenes"][0]["assets"][0].update(url="data:model/gltf-binary;base64,AA=="),
                    "azure"),
         f"{AZURE_SCENE} $.configuration.scenes[0].assets[0].url: ", "the twin's own blob container", base=AZURE),
    Case("studio-asset-foreign-host", 2,
         with_scene(lambda d: d["configuration"]["scenes"][0]["assets"][0].update(url="https://evil.example/plant.glb"), "azure"),
         f"{AZURE_SCENE} $.configuration.scenes[0].assets[0].url: ", "the twin's own blob container", base=AZURE),
    Case("studio-display-name-img", 1,
         with_scene(lambda d: d["configuration"]["scenes"][0].update(displayName="<img src=x onerror=alert(1)>"), "azure"),
         f"{AZURE_SCENE} $.configuration.scenes[0].displayName: ", "without markup", base=AZURE),
    Case("scene-sources-http", 5,
         both(with_scene(lambda d: None, "azure"),
              text("scene_assets/allowed_sources.json", '{"allowedSources": ["http://cdn.example.com/"]}')),
         "scene_assets/allowed_sources.json $.allowedSources[0]: ", "an https://host/folder/", base=AZURE),
    Case("late-device-shard-overfills", 7, both(overfull_device_shard, only_on_aws("1")),
         f"{D} $: ", "overfill device shard", late=True),
    Case("late-entity-shard-overfills", 7, both(overfull_entity_shard, only_on_aws("4", "5")),
         f"{H} $: ", "hash to one shard", late=True),
]


def build_case(case: Case, folder: Path) -> tuple[Path, Path]:
    """Write the case's project to folder/project (its outside files to folder/outside)."""
    project, outside = folder / "project", folder / "outside"
    shutil.copytree(EXAMPLES / case.base, project, ignore=shutil.ignore_patterns("iot_devices_auth", "__pycache__"))
    outside.mkdir(parents=True, exist_ok=True)
    case.build(project, outside)
    return project, outside


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tests.hostile.corpus DIR", file=sys.stderr)
        return 2
    target = Path(argv[0])
    for case in CASES:
        build_case(case, target / case.id)
    print(f"{len(CASES)} cases written to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
