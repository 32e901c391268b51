"""Tests of the AWS layer stacks, with the checks every stack's tests share."""

from __future__ import annotations

import json

from aws_cdk import Stack
from cdk_nag import AwsSolutionsChecks
from cfnlint.api import ManualArgs, lint

LINT_REGION = "eu-central-1"


def unacknowledged_nag_findings(stack: Stack) -> list[str]:
    """AwsSolutions findings not acknowledged in code (nested stacks included), as `rule at path`."""
    report = AwsSolutionsChecks().validate_scope(stack)
    return [
        f"{violation.rule_name} at {resource.construct_path}"
        for violation in report.violations
        for resource in violation.violating_resources
    ]


def cfn_lint_errors(template: dict) -> list[str]:
    """cfn-lint errors (warnings and informational findings are not failures)."""
    matches = lint(json.dumps(template), config=ManualArgs(regions=[LINT_REGION], ignore_checks=["W", "I"]))
    return [str(match) for match in matches]


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
