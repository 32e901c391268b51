"""The pipeline deploys the twin in the deploy plan's order, one item after another, and runs the
plan's own commands: receivers before senders, post-deploy steps right after the stack they need.

The expected sequences are written out by hand from the README's deploy order (l3-archive,
l3-cold, l3-hot, l4, l1-feedback, l2, l1, l5) and post-deploy table.
"""

from __future__ import annotations

import itertools

import pytest

from tests.pipeline.synth import build_spec, pipeline_actions, project_of_action
from twin_model.deploy_plan import Action, PlanSettings, plan_steps

CERTIFICATES = "PostDeploy-aws-device-certificates"
AWS_DASHBOARDS, AZURE_DASHBOARDS = "PostDeploy-aws-grafana-dashboards", "PostDeploy-azure-grafana-dashboards"
EXPECTED = {
    "all_aws": [
        "factory-floor-l3-archive", "factory-floor-l3-cold", "factory-floor-l3-hot", "factory-floor-l4",
        "factory-floor-l2", "factory-floor-l1", CERTIFICATES, "factory-floor-l5", AWS_DASHBOARDS,
    ],
    "mixed": [
        "Terraform-factory-floor-mix-l3-archive", "factory-floor-mix-l3-cold", "Terraform-factory-floor-mix-l3-hot",
        # L1 on AWS gets the feedback of the Azure L2: its receiver is deployed before L2.
        "factory-floor-mix-l4", "factory-floor-mix-l1-feedback", "Terraform-factory-floor-mix-l2", "factory-floor-mix-l1",
        CERTIFICATES, "factory-floor-mix-l5", AWS_DASHBOARDS,
    ],
    "no_aws": [
        "Terraform-factory-floor-az-l3-archive", "Terraform-factory-floor-az-l3-cold", "Terraform-factory-floor-az-l3-hot",
        "Terraform-factory-floor-az-l4", "PostDeploy-azure-digital-twins", "Terraform-factory-floor-az-l2",
        "Terraform-factory-floor-az-l1", "PostDeploy-azure-device-identities", "Terraform-factory-floor-az-l5",
        AZURE_DASHBOARDS,
    ],
    "gcp": [
        "Approve",
        "Terraform-factory-floor-gcp-l3-archive", "Terraform-factory-floor-gcp-l3-cold", "Terraform-factory-floor-gcp-l3-hot",
        "factory-floor-gcp-l4", "Terraform-factory-floor-gcp-l2", "Terraform-factory-floor-gcp-l1",
        "PostDeploy-gcp-telemetry-topic", "factory-floor-gcp-l5", AWS_DASHBOARDS,
    ],
}
TWINS = sorted(EXPECTED)


def item_of(action_name: str) -> str:
    """`<stack>.Prepare` / `<stack>.Deploy` → the stack; `<group>.<step>` or `<step>` → the step."""
    head, _, tail = action_name.rpartition(".")
    return head if tail in ("Prepare", "Deploy") else tail


def twin_run_orders(template: dict) -> dict[str, list[int]]:
    orders: dict[str, list[int]] = {}
    for stage, run_order, action in pipeline_actions(template):
        if stage == "Twin":
            orders.setdefault(item_of(action["Name"]), []).append(run_order)
    return orders


@pytest.mark.parametrize("twin", TWINS)
def test_every_item_waits_for_the_one_before_it(twin, request):
    synth = request.getfixturevalue(twin)
    orders = twin_run_orders(synth.template)
    assert sorted(orders) == sorted(EXPECTED[twin])  # nothing else runs in the twin's stage
    for before, after in itertools.pairwise(EXPECTED[twin]):
        assert max(orders[before]) < min(orders[after]), f"{after} must wait for {before}"


def test_the_twin_is_deployed_only_after_self_mutation_and_assets(all_aws):
    stages = [stage for stage, _, _ in pipeline_actions(all_aws.template)]
    assert list(dict.fromkeys(stages)) == ["Source", "Build", "UpdatePipeline", "Assets", "Twin"]


def test_a_manual_approval_comes_first_only_when_asked_for(gcp, mixed):
    (approve,) = [a for _, _, a in pipeline_actions(gcp.template) if item_of(a["Name"]) == "Approve"]
    assert approve["ActionTypeId"] == {"Category": "Approval", "Owner": "AWS", "Provider": "Manual", "Version": "1"}
    assert all(a["ActionTypeId"]["Category"] != "Approval" for _, _, a in pipeline_actions(mixed.template))


def step_commands(template: dict) -> dict[str, list[str]]:
    commands = {}
    for stage, _, action in pipeline_actions(template):
        name = item_of(action["Name"])
        if stage == "Twin" and name.startswith(("Terraform-", "PostDeploy-")):
            commands[name] = build_spec(template, project_of_action(action))["phases"]["build"]["commands"]
    return commands


def test_terraform_and_post_deploy_commands_run_in_the_checkout_with_the_synth_output_at_cdk_out(mixed, no_aws):
    stack_dir = "cdk.out/cdktf.out/stacks/factory-floor-mix-l2"
    assert step_commands(mixed.template)["Terraform-factory-floor-mix-l2"] == [
        f"(cd {stack_dir} && terraform init -input=false)",
        f"(cd {stack_dir} && terraform apply -input=false -auto-approve)",
    ]
    assert step_commands(mixed.template)[CERTIFICATES] == [
        ".venv/bin/python -m twin_ops post-deploy aws-device-certificates --project examples/factory-floor-aws-azure",
    ]
    l4_dir = "cdk.out/cdktf.out/stacks/factory-floor-az-l4"
    assert step_commands(no_aws.template)["PostDeploy-azure-digital-twins"] == [
        f"(cd {l4_dir} && terraform init -input=false)",  # the state the step reads; the apply ran in another build
        ".venv/bin/python -m twin_ops post-deploy azure-digital-twins --project examples/factory-floor-azure "
        "--tf-out cdk.out/cdktf.out --terraform terraform",
    ]


def local_plan(synth) -> list:
    """`make deploy`'s plan for the same twin, laid out as the pipeline's checkout is."""
    settings = PlanSettings(project=synth.example, outdir="cdk.out", tf_outdir="cdk.out/cdktf.out", python=".venv/bin/python")
    return plan_steps(synth.topology, Action.DEPLOY, settings)[1:]  # the pipeline's Synth step replaces its synth


@pytest.mark.parametrize("twin", TWINS)
def test_the_pipeline_runs_the_local_deploy_plan_in_its_order_with_its_commands(twin, request):
    synth = request.getfixturevalue(twin)
    commands = step_commands(synth.template)
    order = []
    for step in local_plan(synth):
        if step.command[0] == "terraform":
            name = f"Terraform-{step.stack}"
            assert step.render() in commands[name]
        elif "post-deploy" in step.command:
            name = f"PostDeploy-{step.command[4]}"
            assert commands[name][-1] == step.render()
        else:
            name = step.stack  # `cdk deploy --exclusively <stack>`: the stage's stack
        if name not in order:
            order.append(name)
    assert order == [item for item in EXPECTED[twin] if item != "Approve"]
