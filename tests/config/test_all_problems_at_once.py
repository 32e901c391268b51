"""One load reports every independent mistake across all files, not just the first one."""

from __future__ import annotations

import pytest

from twin_model.config import ProjectConfigError, load_project
from tests.conftest import ALL_AWS
from tests.config.helpers import FLAGS, edit_json, flags, problems_of, where


def test_mistakes_in_every_file_are_reported_together(make_project):
    every_flag = flags(
        useEventChecking=True, triggerNotificationWorkflow=True, returnFeedbackToDevice=True, integrateErrorHandling=True
    )
    project = make_project({**ALL_AWS, "layer_4_provider": "google"}, config_optimization=every_flag)
    edit_json(project, "config", lambda c: c.update(digital_twin_name="factory floor"))
    edit_json(project, "config_iot_devices", lambda d: d[1]["properties"][2].update(dataType="FLOAT"))
    edit_json(project, "config_hierarchy", lambda h: h[0]["children"][1]["children"][0].update(iotDeviceId="ghost"))
    edit_json(project, "config_events", lambda e: e[0].update(condition="temperature >"))
    (project / "processors" / "press-02" / "process.py").write_text("def process(event:\n")

    with pytest.raises(ProjectConfigError) as info:
        load_project(project)

    expected = {
        ("config.json", "$.digital_twin_name"),
        ("config_providers.json", "$.layer_4_provider"),
        ("config_iot_devices.json", "$[1].properties[2].dataType"),
        ("config_hierarchy.json", "$[0].children[1].children[0].iotDeviceId"),
        ("config_events.json", "$[0].condition"),
        ("config_optimization.json", f"{FLAGS}.integrateErrorHandling"),
        ("processors/press-02/process.py", "line 1"),
    }
    assert where(info.value.problems) == expected
    assert len(info.value.problems) == len(expected)
    report = info.value.report()
    assert report.startswith(f"Project {project} has {len(info.value.problems)} problems:")
    for file, path in expected:
        assert f"  - {file} {path}: " in report


def test_flag_dependencies_and_missing_files_are_reported_together(make_project):
    project = make_project(config_optimization=flags(triggerNotificationWorkflow=True, returnFeedbackToDevice=True))
    (project / "state_machines" / "aws_step_function.json").unlink()
    problems = problems_of(project)
    trigger = [p.expected for p in problems if p.path == f"{FLAGS}.triggerNotificationWorkflow"]
    assert where(problems) == {
        ("config_optimization.json", f"{FLAGS}.triggerNotificationWorkflow"),
        ("config_optimization.json", f"{FLAGS}.returnFeedbackToDevice"),
    }
    assert len(problems) == 3
    assert any("useEventChecking" in e for e in trigger) and any("aws_step_function.json" in e for e in trigger)
