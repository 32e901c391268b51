"""Scale by design: 1,000 devices stay within CloudFormation and TwinMaker limits, adding a device
leaves every existing resource where it was (no replacement), and alarms are per function, queue
and rule, never per device (issue #17)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.projects import ALL_AWS, DEVICE_TYPES, MIXED, write_project
from tests.conftest import synthesize_project

MAX_RESOURCES = 450  # budget per template (CloudFormation's hard limit is 500)
MAX_TEMPLATE_BYTES = 800 * 1024  # budget per template (the hard limit is 1 MB)


def synth(tmp_path_factory, devices: int, providers: dict[str, str] = ALL_AWS):
    workdir = tmp_path_factory.mktemp(f"scale-{devices}")
    return synthesize_project(write_project(workdir / "project", devices, providers), nag=False)


def templates(outdir: Path) -> dict[str, dict]:
    """Every CloudFormation template of a synth, nested stacks included, by file name."""
    return {path.name: json.loads(path.read_text()) for path in outdir.glob("*.template.json")}


@pytest.fixture(scope="module")
def thousand(tmp_path_factory):
    return synth(tmp_path_factory, 1000)


@pytest.fixture(scope="module")
def two_hundred(tmp_path_factory):
    return synth(tmp_path_factory, 200)


@pytest.fixture(scope="module")
def two_hundred_one(tmp_path_factory):
    return synth(tmp_path_factory, 201)


def test_no_template_exceeds_the_resource_and_size_budgets(thousand):
    found = templates(thousand.outdir)
    assert len(found) > 7  # the per-device resources are sharded into nested stacks
    for name, template in found.items():
        assert len(template["Resources"]) <= MAX_RESOURCES, name
        assert (thousand.outdir / name).stat().st_size <= MAX_TEMPLATE_BYTES, name


def test_devices_share_component_types_and_one_processor(thousand):
    resources = [r for t in templates(thousand.outdir).values() for r in t["Resources"].values()]
    component_types = [r for r in resources if r["Type"] == "AWS::IoTTwinMaker::ComponentType"]
    assert len(component_types) == len(DEVICE_TYPES)  # one per property schema, ≤ 150 per workspace
    entities = [r for r in resources if r["Type"] == "AWS::IoTTwinMaker::Entity"]
    assert len(entities) == 1 + 100 + 1000  # plant, lines, one station per device
    functions = [r["Properties"]["FunctionName"] for r in resources if r["Type"] == "AWS::Lambda::Function"
                 and isinstance(r["Properties"].get("FunctionName"), str)]
    assert functions.count("bench-twin-processor") == 1
    assert len([r for r in resources if r["Type"] == "AWS::IoT::Thing"]) == 1000
    assert len([r for r in resources if r["Type"] == "AWS::IoT::TopicRule"]) == 1


def test_adding_a_device_keeps_every_existing_logical_id(two_hundred, two_hundred_one):
    before, after = templates(two_hundred.outdir), templates(two_hundred_one.outdir)
    assert set(before) <= set(after)
    for name, template in before.items():
        kept = {logical_id: r["Type"] for logical_id, r in template["Resources"].items()}
        grown = {logical_id: r["Type"] for logical_id, r in after[name]["Resources"].items()}
        assert kept.items() <= grown.items(), name
        # Resources of devices other than the new one keep their properties too (no replacement).
        for logical_id, resource in template["Resources"].items():
            if resource["Type"] in ("AWS::IoT::Thing", "AWS::IoT::Policy", "AWS::IoTTwinMaker::ComponentType"):
                assert after[name]["Resources"][logical_id]["Properties"] == resource["Properties"], logical_id


# Where each cloud keeps an alarm's name, by resource type (CloudFormation, then Terraform JSON).
AWS_ALARMS = {"AWS::CloudWatch::Alarm": "AlarmName", "AWS::CloudWatch::CompositeAlarm": "AlarmName"}
TERRAFORM_ALARMS = {
    "azurerm_monitor_scheduled_query_rules_alert_v2": "name",
    "azurerm_monitor_metric_alert": "name",
    "google_monitoring_alert_policy": "display_name",
}


def alarm_names(synthesized) -> list[tuple[str, str]]:
    """Every alarm of a synth as (resource type, name), nested and Terraform stacks included, sorted."""
    names = [
        (resource["Type"], resource["Properties"][AWS_ALARMS[resource["Type"]]])
        for template in templates(synthesized.outdir).values()
        for resource in template["Resources"].values()
        if resource["Type"] in AWS_ALARMS
    ]
    for stack_json in synthesized.tf_outdir.glob("stacks/*/cdk.tf.json"):
        document = json.loads(stack_json.read_text())
        for kind, key in TERRAFORM_ALARMS.items():
            names += [(kind, alarm[key]) for alarm in document.get("resource", {}).get(kind, {}).values()]
    return sorted(names)


def test_all_aws_alarms_do_not_grow_with_devices(two_hundred, two_hundred_one, thousand):
    alarms = alarm_names(two_hundred)
    assert len(alarms) >= 10  # errors and throttles of every function, failure queues, the rule
    assert alarm_names(two_hundred_one) == alarms
    assert alarm_names(thousand) == alarms


def test_mixed_alarms_do_not_grow_with_devices(tmp_path_factory):
    """The bench's mixed twin (AWS, Azure and Google stacks) at two sizes, across the hash slots."""
    few, many = alarm_names(synth(tmp_path_factory, 10, MIXED)), alarm_names(synth(tmp_path_factory, 300, MIXED))
    kinds = {kind for kind, _ in few}
    assert {"AWS::CloudWatch::Alarm", "azurerm_monitor_scheduled_query_rules_alert_v2",
            "google_monitoring_alert_policy"} <= kinds
    assert many == few
