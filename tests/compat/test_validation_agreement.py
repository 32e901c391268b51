"""Thirty inputs of the predecessor's validation rules (V1-V20 and its validation tests), each with
the predecessor's verdict written by hand and ours. Where they differ the difference is deliberate
and its reason is the row's note; a row that differs without a note would be a gap.

Every input starts from the newer generation's fixture (predecessor_h) and changes one thing.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from twin_model.config import ProjectConfigError, load_project
from tests.compat.conftest import FIXTURES, PROVIDER_KEYS

ACCEPT, REFUSE = "accept", "refuse"
ALL_AWS = dict.fromkeys(PROVIDER_KEYS, "aws")


def edit(name: str, change: Callable[[object], object]) -> Callable[[Path], None]:
    def apply(project: Path) -> None:
        path = project / name
        data = json.loads(path.read_text())
        change(data)  # in place (a pop's return value is not the document)
        path.write_text(json.dumps(data))
    return apply


def write(name: str, text: str) -> Callable[[Path], None]:
    def apply(project: Path) -> None:
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    return apply


def remove(name: str) -> Callable[[Path], None]:
    def apply(project: Path) -> None:
        path = project / name
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    return apply


def both(*changes: Callable[[Path], None]) -> Callable[[Path], None]:
    def apply(project: Path) -> None:
        for change in changes:
            change(project)
    return apply


def providers(**layers: str) -> Callable[[Path], None]:
    return write("config_providers.json", json.dumps({**ALL_AWS, **layers}))


def flags(**values: bool) -> Callable[[Path], None]:
    return edit("config_optimization.json", lambda d: d["result"]["inputParamsUsed"].update(values))


def twin_name(name: str) -> Callable[[Path], None]:
    return edit("config.json", lambda c: c.update(digital_twin_name=name))


AWS_STEP_FUNCTION = "state_machines/aws_step_function.json"
LOGIC_APP = "state_machines/azure_logic_app.json"
YAML_WORKFLOW = "state_machines/google_cloud_workflow.yaml"
JSON_WORKFLOW = "state_machines/google_cloud_workflow.json"
AWS_HIERARCHY = "twin_hierarchy/aws_hierarchy.json"
DTDL = "twin_hierarchy/azure_hierarchy.json"
ON_AWS = providers()
ON_GOOGLE_L2 = providers(layer_2_provider="google")
FLAT_FLAGS = '{"useEventChecking": true, "triggerNotificationWorkflow": true, "returnFeedbackToDevice": true, "needs3DModel": true}'


@dataclass(frozen=True)
class Row:
    id: str
    change: Callable[[Path], None]
    predecessor: str  # its verdict, from its rules (predecessor-facts §1.11) and validation tests
    ours: str
    note: str = ""  # why ours differs (a deliberate improvement)


ROWS = (
    Row("template-as-is", lambda p: None, ACCEPT, ACCEPT),
    Row("config-json-missing", remove("config.json"), REFUSE, REFUSE),
    Row("twin-name-with-space", twin_name("my twin"), REFUSE, REFUSE),
    Row("twin-name-Twin-Name_01", twin_name("Twin-Name_01"), ACCEPT, ACCEPT),
    Row("twin-name-20-characters", twin_name("plant-twentychars-01"), REFUSE, ACCEPT,
        "its newer limit is 15 characters; names here are mapped to every consumer's limit, so 30 (its older limit) fit"),
    Row("device-without-id", edit("config_iot_devices.json", lambda d: d[0].pop("id")), REFUSE, REFUSE),
    Row("device-dataType-FLOAT", edit("config_iot_devices.json", lambda d: d[0]["properties"][0].update(dataType="FLOAT")),
        ACCEPT, REFUSE, "it checked dataType only in the AWS hierarchy; a FLOAT telemetry value has no store or twin type here"),
    Row("hierarchy-dataType-FLOAT", both(ON_AWS, edit(AWS_HIERARCHY, lambda h: h[1]["children"][0]["properties"][0].update(
        dataType="FLOAT"))), REFUSE, REFUSE),
    Row("hierarchy-component-without-componentTypeId", both(ON_AWS, edit(
        AWS_HIERARCHY, lambda h: h[0]["children"][1].pop("componentTypeId"))), REFUSE, ACCEPT,
        "component types are shared per device schema here; the component names its device by iotDeviceId"),
    Row("action-without-functionName", edit("config_events.json", lambda e: e[0]["action"].pop("functionName")),
        REFUSE, REFUSE),
    Row("feedback-without-payload", edit("config_events.json", lambda e: e[0]["action"]["feedback"].pop("payload")),
        REFUSE, REFUSE),
    Row("logic_app-action-on-aws", both(ON_AWS, edit("config_events.json", lambda e: e[1]["action"].update(
        type="logic_app", functionNameB="heat-alert"))), REFUSE, REFUSE),
    Row("workflow-action-without-the-flag", both(ON_GOOGLE_L2, flags(triggerNotificationWorkflow=False), edit(
        "config_events.json", lambda e: e[1]["action"].update(type="workflow", functionNameB="heat-alert"))), REFUSE, REFUSE),
    Row("step-function-StartAt-missing-state", both(ON_AWS, edit(AWS_STEP_FUNCTION, lambda d: d.update(StartAt="Nowhere"))),
        REFUSE, REFUSE),
    Row("step-function-States-as-list", both(ON_AWS, edit(AWS_STEP_FUNCTION, lambda d: d.update(States=[]))), REFUSE, REFUSE),
    Row("logic-app-without-actions", edit(LOGIC_APP, lambda d: d["definition"].pop("actions")), ACCEPT, REFUSE,
        "it only warned; a workflow without actions starts nothing, so it is refused before deploying"),
    Row("google-workflow-without-steps", both(ON_GOOGLE_L2, remove(YAML_WORKFLOW), edit(
        JSON_WORKFLOW, lambda d: d["main"].pop("steps"))), REFUSE, REFUSE),
    Row("google-workflow-yaml", ON_GOOGLE_L2, ACCEPT, ACCEPT),
    Row("optimization-flat-form", write("config_optimization.json", FLAT_FLAGS), ACCEPT, ACCEPT),
    Row("optimization-flat-error-handling", write("config_optimization.json", '{"integrateErrorHandling": true}'),
        REFUSE, REFUSE),
    Row("optimization-error-handling", flags(integrateErrorHandling=True), REFUSE, REFUSE),
    Row("processor-without-lambda_handler", both(ON_AWS, write(
        "lambda_functions/processors/temp-sensor-1/lambda_function.py", "def handler(event, context):\n    return event\n")),
        REFUSE, REFUSE),
    Row("processor-missing-for-a-device", ON_AWS, REFUSE, ACCEPT,
        "one processor function runs every device's code; a device without its own gets the default (records unchanged)"),
    Row("scene-assets-missing", remove("scene_assets"), REFUSE, REFUSE),
    Row("user-email-malformed", edit("config_user.json", lambda u: u.update(admin_email="not-an-email")), REFUSE, REFUSE),
    Row("user-email-gmail-with-azure-dashboards", both(
        providers(layer_4_provider="azure", layer_5_provider="azure"),
        edit("config_user.json", lambda u: u.update(admin_email="someone@gmail.com"))), REFUSE, ACCEPT,
        "it created Entra ID users (a verified domain); the administrator is looked up here, guests included"),
    Row("user-config-missing-with-dashboards", remove("config_user.json"), REFUSE, ACCEPT,
        "the administrator is optional: without one, nobody is given Grafana admin automatically"),
    Row("l4-on-google", providers(layer_4_provider="google"), REFUSE, REFUSE),
    Row("l4-and-l5-none", providers(layer_4_provider="none", layer_5_provider="none"), ACCEPT, ACCEPT),
    Row("dtdl-property-serial-number", edit(DTDL, lambda d: d["models"][2]["contents"][0].update(name="serial-number")),
        ACCEPT, REFUSE, "not a DTDL name: Azure Digital Twins refuses the model upload, so it is refused at synth"),
)


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_verdict(tmp_path, row):
    project = tmp_path / "p"
    shutil.copytree(FIXTURES / "predecessor_h", project)
    row.change(project)
    try:
        load_project(project)
        verdict, report = ACCEPT, ""
    except ProjectConfigError as error:
        verdict, report = REFUSE, error.report()
    assert verdict == row.ours, report
    assert (row.predecessor == row.ours) == (not row.note), "a difference needs its reason; an agreement none"


def test_the_table():
    assert len(ROWS) == 30 and len({row.id for row in ROWS}) == 30
    agree = sum(row.predecessor == row.ours for row in ROWS)
    deliberate = sum(row.predecessor != row.ours and bool(row.note) for row in ROWS)
    assert (agree, deliberate, len(ROWS) - agree - deliberate) == (22, 8, 0)
