"""Tests of the AWS layer stacks, with the checks every stack's tests share."""

from __future__ import annotations

import hashlib
import json

from aws_cdk import Stack

from tests import synth_cache
from tests.conftest import EXAMPLE, nag_report

LINT_REGION = "eu-central-1"
TWIN = "factory-floor"  # the example's twin

# Variants shared by the layer tests (the session cache synthesizes each provider map once).
# Same providers as tests/deploy: L1 on AWS sends to L2 on Azure.
L2_ON_AZURE = {"layer_1_provider": "aws", "layer_2_provider": "azure", "layer_3_hot_provider": "google", "layer_4_provider": "aws"}
# Many devices and the hot tier on Azure: sharding, one processor, the persister's remote mode.
LARGE_FLEET_REMOTE_HOT = {
    "layer_1_provider": "aws",
    "layer_2_provider": "aws",
    "layer_3_hot_provider": "azure",
    "layer_3_cold_provider": "aws",
    "layer_3_archive_provider": "aws",
    "layer_4_provider": "aws",
    "layer_5_provider": "aws",
}
EXTRA_DEVICES = 116


def large_fleet_devices() -> list[dict]:
    """The example's devices plus EXTRA_DEVICES simple sensors (config_iot_devices override)."""
    devices = json.loads((EXAMPLE / "config_iot_devices.json").read_text())
    extra = [{"id": f"sensor-{n:03d}", "properties": [{"name": "level", "dataType": "DOUBLE"}]} for n in range(EXTRA_DEVICES)]
    return devices + extra


def unacknowledged_nag_findings(stack: Stack) -> list[str]:
    """AwsSolutions findings not acknowledged in code (nested stacks included), as `rule at path`.
    A synth of the shared cache has them already: `Synthesized.nag_findings(stack_name)`."""
    return nag_report({None: stack})[stack.stack_name]


def exported_value(template: dict, imported: dict) -> object:
    """The value that `{"Fn::ImportValue": name}` in another stack gets from `template`'s exports."""
    (value,) = [
        output["Value"] for output in template.get("Outputs", {}).values()
        if output.get("Export", {}).get("Name") == imported["Fn::ImportValue"]
    ]
    return value


def nested_templates(synthesized, stack_name: str) -> list[dict]:
    """A stack's nested stack templates: the `.nested.template.json` files its asset manifest
    publishes (what CloudFormation deploys), in file name order; at least one."""
    manifest = json.loads((synthesized.outdir / f"{stack_name}.assets.json").read_text())
    paths = sorted(
        entry["source"]["path"] for entry in manifest["files"].values()
        if entry["source"]["path"].endswith(".nested.template.json")
    )
    assert paths, f"{stack_name} has no nested stack"
    return [json.loads((synthesized.outdir / path).read_text()) for path in paths]


def cfn_lint_errors(template: dict, ignore: tuple[str, ...] = ()) -> list[str]:
    """cfn-lint errors (warnings and informational findings are not failures), in process; once per
    distinct template and ignore list in a run (the result is kept in the shared synth cache)."""
    text = json.dumps(template, sort_keys=True)
    digest = hashlib.sha256(json.dumps([text, LINT_REGION, sorted(ignore)]).encode()).hexdigest()[:24]

    def lint_it(folder):
        from cfnlint.api import ManualArgs, lint

        matches = lint(text, config=ManualArgs(regions=[LINT_REGION], ignore_checks=["W", "I", *ignore]))
        synth_cache.write_json(folder / "errors.json", [str(match) for match in matches])

    return json.loads((synth_cache.entry(f"cfn-lint-{digest}", lint_it) / "errors.json").read_text())


def functions_by_name(template: dict) -> dict[str, dict]:
    """Lambda functions of a template by their literal FunctionName → {"id", **Properties}."""
    return {
        props["FunctionName"]: {"id": logical_id, **props}
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Lambda::Function"
        and isinstance(props := resource["Properties"], dict)
        and isinstance(props.get("FunctionName"), str)
    }


def resources_of_type(template: dict, resource_type: str) -> dict[str, dict]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == resource_type}


def policy_statements_of(template: dict, function_id: str) -> list[dict]:
    """Every statement of the inline policies attached to a function's role."""
    role = template["Resources"][function_id]["Properties"]["Role"]["Fn::GetAtt"][0]
    return [
        statement
        for resource in resources_of_type(template, "AWS::IAM::Policy").values()
        if {"Ref": role} in resource["Properties"]["Roles"]
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
    ]
