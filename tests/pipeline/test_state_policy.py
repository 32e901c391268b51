"""Each Terraform step's role allows exactly the state objects its stack reads and writes.

The expectation is built here from each stack's synthesized `cdk.tf.json` — its S3 backend (its
own state, written, with the `.tflock` lock object of S3-native locking) and its
`terraform_remote_state` data sources (other stacks' states, read) — and anchored by a table
written by hand for the mixed example. Nothing broader: no other object of a state bucket, no
S3 action on `*`.
"""

from __future__ import annotations

import json

import pytest

from constructs_lib.aws.nag import flatten_reference
from tests import found
from tests.pipeline.synth import build_spec, pipeline_actions, project_of_action, resources_of_type

# Terraform's S3 backend: state read and written; the lock object created, read and deleted.
STATE_ACTIONS = ("s3:GetObject", "s3:PutObject")
LOCK_ACTIONS = ("s3:DeleteObject", "s3:GetObject", "s3:PutObject")
# The mixed example (L2, L3 hot and the archive on Azure): L2 references the L3 hot stack.
MIXED_READS = {
    "factory-floor-mix-l3-archive": [],
    "factory-floor-mix-l3-hot": [],
    "factory-floor-mix-l2": ["factory-floor-mix-l3-hot"],
}


def step_roles(template: dict, prefix: str) -> dict[str, list[dict]]:
    """Statements of the role of each `<prefix><name>` step, by name."""
    policies = resources_of_type(template, "AWS::IAM::Policy").values()
    roles = {}
    for _, _, action in pipeline_actions(template):
        name = action["Name"].rpartition(".")[2]
        if not name.startswith(prefix):
            continue
        project = template["Resources"][project_of_action(action)]
        role = project["Properties"]["ServiceRole"]["Fn::GetAtt"][0]
        roles[name[len(prefix):]] = [
            statement
            for policy in policies if {"Ref": role} in policy["Properties"]["Roles"]
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        ]
    return roles


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def s3_grants(statements: list[dict], bucket: str) -> set[tuple[str, str]]:
    """(action, resource) pairs on the state bucket or its objects; S3 actions on `*` fail."""
    grants = set()
    for statement in statements:
        assert statement["Effect"] == "Allow"
        for resource in map(flatten_reference, as_list(statement["Resource"])):
            s3_actions = [a for a in as_list(statement["Action"]) if a.startswith("s3:")]
            assert not (resource == "*" and s3_actions), statement
            if resource.startswith(f"arn:aws:s3:::{bucket}"):
                grants.update((action, resource) for action in as_list(statement["Action"]))
    return grants


def expected_grants(stack_json: dict) -> tuple[str, set[tuple[str, str]]]:
    own = stack_json["terraform"]["backend"]["s3"]
    bucket = f"arn:aws:s3:::{own['bucket']}"
    expected = {("s3:ListBucket", bucket)}
    expected |= {(action, f"{bucket}/{own['key']}") for action in STATE_ACTIONS}
    expected |= {(action, f"{bucket}/{own['key']}.tflock") for action in LOCK_ACTIONS}
    for source in stack_json.get("data", {}).get("terraform_remote_state", {}).values():
        assert source["backend"] == "s3" and source["config"]["bucket"] == own["bucket"]
        expected.add(("s3:GetObject", f"{bucket}/{source['config']['key']}"))
    return own["bucket"], expected


@pytest.mark.parametrize("twin", ["mixed", "gcp"])
def test_every_terraform_step_may_touch_exactly_the_state_its_stack_reads_and_writes(twin, request):
    synth = request.getfixturevalue(twin)
    roles = step_roles(synth.template, "Terraform-")
    stacks = sorted(p.parent.name for p in (synth.tf_outdir / "stacks").glob("*/cdk.tf.json"))
    assert sorted(roles) == stacks
    for stack in stacks:
        bucket, expected = expected_grants(synth.terraform(stack))
        assert s3_grants(roles[stack], bucket) == expected, stack


def test_the_mixed_examples_l2_reads_the_l3_hot_state_and_writes_only_its_own(mixed):
    roles = step_roles(mixed.template, "Terraform-")
    bucket = "arn:aws:s3:::factory-floor-mix-tfstate"
    for stack, reads in MIXED_READS.items():
        expected = {("s3:ListBucket", bucket)}
        expected |= {(a, f"{bucket}/{stack}.tfstate") for a in STATE_ACTIONS}
        expected |= {(a, f"{bucket}/{stack}.tfstate.tflock") for a in LOCK_ACTIONS}
        expected |= {("s3:GetObject", f"{bucket}/{read}.tfstate") for read in reads}
        assert s3_grants(roles[stack], "factory-floor-mix-tfstate") == expected, stack


def test_a_custom_state_bucket_is_the_one_granted(gcp):
    for stack, statements in step_roles(gcp.template, "Terraform-").items():
        assert s3_grants(statements, "factory-floor-gcp-tfstate") == set(), stack
        assert ("s3:ListBucket", "arn:aws:s3:::acme-twin-state") in s3_grants(statements, "acme-twin-state")


def test_a_post_deploy_step_on_a_terraform_stack_only_reads_that_stacks_state(gcp):
    statements = step_roles(gcp.template, "PostDeploy-")["gcp-telemetry-topic"]
    bucket = "arn:aws:s3:::acme-twin-state"
    assert s3_grants(statements, "acme-twin-state") == {
        ("s3:ListBucket", bucket), ("s3:GetObject", f"{bucket}/factory-floor-gcp-l1.tfstate"),
    }


def test_state_locking_stays_on(mixed, gcp):
    for synth in (mixed, gcp):
        for stack in found((p.parent.name for p in (synth.tf_outdir / "stacks").glob("*/cdk.tf.json")), "Terraform stacks"):
            assert synth.terraform(stack)["terraform"]["backend"]["s3"]["use_lockfile"] is True


def test_without_aws_the_state_is_reached_with_the_backends_cloud_credentials(no_aws):
    template = no_aws.template
    for name, statements in step_roles(template, "Terraform-").items():
        assert not any(a.startswith("s3:") and "tfstate" in json.dumps(s["Resource"])
                       for s in statements for a in as_list(s["Action"])), name
    for _, _, action in pipeline_actions(template):
        if action["Name"].startswith(("Terraform-", "PostDeploy-")):
            project = template["Resources"][project_of_action(action)]["Properties"]
            variables = {v["Name"] for v in project["Environment"]["EnvironmentVariables"]}
            assert {"ARM_CLIENT_ID", "ARM_CLIENT_SECRET", "ARM_TENANT_ID", "ARM_SUBSCRIPTION_ID"} <= variables
            assert "terraform init" in json.dumps(build_spec(template, project_of_action(action)))
