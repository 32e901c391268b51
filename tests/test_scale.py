"""Devices are data (docs/design.md §7a, issue #24): a twin's templates and Terraform stacks are
byte for byte the same for N and N+1 devices, all-AWS and with devices and twin on Azure, so
adding or removing a device changes no stack; and alarms are per function, queue and rule, never
per device (issue #17). The sizes here are small on purpose: `make bench` measures 10 to 100,000."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.projects import ALL_AWS, MIXED, write_project
from tests.conftest import synthesize_project
from tests.snapshot_utils import without_traces

FEW = 40
MAX_RESOURCES = 450  # budget per template (CloudFormation's hard limit is 500)
MAX_TEMPLATE_BYTES = 800 * 1024  # budget per template (the hard limit is 1 MB)


def synth(tmp_path_factory, devices: int, providers: dict[str, str]):
    workdir = tmp_path_factory.mktemp(f"scale-{devices}")
    return synthesize_project(write_project(workdir / "project", devices, providers), workdir, nag=False)


def stack_files(synthesized) -> dict[str, bytes]:
    """Every template and stack file of a synth, by its path in the output: CloudFormation
    templates (nested ones included), asset manifests and metadata (without call-stack traces), and
    every file of every Terraform stack."""
    files = {f"cdk.out/{p.name}": p.read_bytes() for p in synthesized.outdir.glob("*.json") if p.name != "tree.json"}
    for name in [name for name in files if name.endswith(".metadata.json")]:
        files[name] = without_traces(files[name].decode("utf-8")).encode()
    for path in (synthesized.tf_outdir / "stacks").rglob("*"):
        if path.is_file():
            files[f"cdktf.out/{path.relative_to(synthesized.tf_outdir)}"] = path.read_bytes()
    return files


@pytest.fixture(scope="module", params=["all-aws", "mixed"])
def pair(request, tmp_path_factory):
    providers = {"all-aws": ALL_AWS, "mixed": MIXED}[request.param]
    return synth(tmp_path_factory, FEW, providers), synth(tmp_path_factory, FEW + 1, providers)


def test_one_more_device_changes_no_template_and_no_stack(pair):
    few, more = (stack_files(s) for s in pair)
    assert sum(name.endswith(".template.json") or name.endswith("cdk.tf.json") for name in few) >= 4
    assert few.keys() == more.keys()
    changed = sorted(name for name in few if few[name] != more[name])
    assert changed == []


def test_no_device_id_in_any_template_or_stack(pair):
    few, _ = pair
    device_ids = [device.id for device in few.config.devices]
    for name, data in stack_files(few).items():
        text = data.decode("utf-8", "replace")
        assert not [d for d in device_ids if f'"{d}"' in text or f"/{d}/" in text], name


def test_no_template_exceeds_the_resource_and_size_budgets(pair):
    for synthesized in pair:
        for path in synthesized.outdir.glob("*.template.json"):
            assert len(json.loads(path.read_text())["Resources"]) <= MAX_RESOURCES, path.name
            assert path.stat().st_size <= MAX_TEMPLATE_BYTES, path.name


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
        for path in synthesized.outdir.glob("*.template.json")
        for resource in json.loads(path.read_text())["Resources"].values()
        if resource["Type"] in AWS_ALARMS
    ]
    for stack_json in Path(synthesized.tf_outdir).glob("stacks/*/cdk.tf.json"):
        document = json.loads(stack_json.read_text())
        for kind, key in TERRAFORM_ALARMS.items():
            names += [(kind, alarm[key]) for alarm in document.get("resource", {}).get(kind, {}).values()]
    return sorted(names)


def test_alarms_are_per_function_queue_and_rule(pair):
    few, more = pair
    alarms = alarm_names(few)
    assert len(alarms) >= 10  # errors and throttles of every function, failure queues, the rule
    assert alarm_names(more) == alarms
