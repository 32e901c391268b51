"""Deploy plans: order from the topology, the right tool per cloud, resume and failure handling."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from twin_ops.cli import main as cli
from twin_model.config.model import Layer, Provider, Providers
from twin_model.deploy_plan import Action, PlanSettings, Step, plan_steps
from twin_ops.deploy import MissingToolError, StepFailedError, find_terraform, run_steps
from twin_model.topology import Features, plan, plan_project
from tests.test_topology import COMBINATIONS, FEATURES, providers_of

SETTINGS = PlanSettings(project="proj", cdk="cdk", terraform="terraform")
MIXED = {
    Layer.L1: Provider.AWS,
    Layer.L2: Provider.AZURE,
    Layer.L3_HOT: Provider.GOOGLE,
    Layer.L3_COLD: Provider.GOOGLE,
    Layer.L3_ARCHIVE: Provider.AZURE,
    Layer.L4: Provider.AWS,
    Layer.L5: Provider.AZURE,
}


def topology(mapping: dict[Layer, Provider]):
    return plan("twin", Providers.of(mapping), Features())


def iac_steps(steps: list[Step]) -> list[Step]:
    """The cdk/terraform commands after the synth (without the post-deploy steps)."""
    return [s for s in steps[1:] if "post-deploy" not in s.command]


def stacks_in_order(steps: list[Step]) -> list[str]:
    order: list[str] = []
    for step in steps[1:]:
        if step.stack not in order:
            order.append(step.stack)
    return order


def test_single_cloud_deploy_is_cdk_only_receivers_first():
    steps = plan_steps(topology(dict.fromkeys(Layer, Provider.AWS)), Action.DEPLOY, SETTINGS)
    assert steps[0].command == (
        "env",
        "CDK_OUTDIR=cdk.out",
        'CDK_CONTEXT_JSON={"project": "proj", "tf_outdir": "cdktf.out"}',
        "python3",
        "app.py",
    )
    assert stacks_in_order(steps) == [
        "twin-l3-archive", "twin-l3-cold", "twin-l3-hot", "twin-l4", "twin-l2", "twin-l1", "twin-l5",
    ]
    assert all(s.command[:2] == ("cdk", "deploy") and "--exclusively" in s.command for s in iac_steps(steps))
    assert len(steps) == 1 + 7 + 2  # synth, one deploy per stack, the device certificates, the dashboards


def test_mixed_deploy_uses_terraform_in_stack_dirs_and_receivers_precede_senders():
    topo = topology(MIXED)
    steps = plan_steps(topo, Action.DEPLOY, SETTINGS)
    by_stack = {s.stack: s for s in iac_steps(steps)}
    assert by_stack["twin-l1"].command[:2] == ("cdk", "deploy")
    terraform_l2 = [s for s in steps if s.stack == "twin-l2"]
    assert [s.command[:2] for s in terraform_l2] == [("terraform", "init"), ("terraform", "apply")]
    assert terraform_l2[0].cwd == "cdktf.out/stacks/twin-l2"
    order = stacks_in_order(steps)
    for bridge in topo.bridges:
        receiver, sender = topo.stack_name(bridge.receiver_layer), topo.stack_name(bridge.sender_layer)
        assert order.index(receiver) < order.index(sender), bridge.connection_id


def test_destroy_runs_in_reverse_order():
    deploy = stacks_in_order(plan_steps(topology(MIXED), Action.DEPLOY, SETTINGS))
    destroy_steps = plan_steps(topology(MIXED), Action.DESTROY, SETTINGS)
    assert stacks_in_order(destroy_steps) == list(reversed(deploy))
    assert ("terraform", "destroy", "-input=false", "-auto-approve") in [s.command for s in destroy_steps]


def test_diff_plans_without_changing_anything():
    commands = [s.command[:2] for s in plan_steps(topology(MIXED), Action.DIFF, SETTINGS)[1:]]
    assert set(commands) <= {("cdk", "diff"), ("terraform", "init"), ("terraform", "plan")}


def test_missing_terraform_names_both_tools():
    with pytest.raises(MissingToolError, match="terraform.*tofu"):
        find_terraform(which=lambda tool: None)
    assert find_terraform(which=lambda tool: "/usr/bin/tofu" if tool == "tofu" else None) == "tofu"


def test_failed_step_stops_the_run_and_a_rerun_resumes(tmp_path: Path):
    steps = plan_steps(topology(MIXED), Action.DEPLOY, SETTINGS)
    state = tmp_path / "state.json"
    ran: list[Step] = []
    failing = steps[4]

    def flaky(step: Step) -> int:
        ran.append(step)
        return 1 if step == failing else 0

    with pytest.raises(StepFailedError, match=f"stack {failing.stack}: .*failed with exit code 1"):
        run_steps(steps, state, runner=flaky, echo=lambda line: None)
    assert ran == steps[:5]  # nothing after the failure ran

    ran.clear()
    run_steps(steps, state, runner=lambda step: ran.append(step) or 0, echo=lambda line: None)
    assert ran == [steps[0], *steps[4:]]  # synth again, then resume at the failed step
    assert not state.exists()


def test_cli_dry_run_prints_the_ordered_plan(capsys):
    assert cli(["deploy", "--dry-run"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("# deploy factory-floor: 10 steps")
    assert "factory-floor-l3-archive" in out[2] and "factory-floor-l5" in out[-2]
    assert "[factory-floor-l1]" in out[-3] and "-m twin_ops post-deploy aws-device-certificates" in out[-3]
    assert "[factory-floor-l5]" in out[-1] and "-m twin_ops post-deploy aws-grafana-dashboards" in out[-1]


def post_deploy_steps(steps: list[Step]) -> list[tuple[str, str]]:
    return [(s.stack, s.command[4]) for s in steps if s.command[1:4] == ("-m", "twin_ops", "post-deploy")]


def test_post_deploy_steps_follow_the_stack_they_need():
    all_azure = plan_steps(topology(dict.fromkeys(Layer, Provider.AZURE)), Action.DEPLOY, SETTINGS)
    assert post_deploy_steps(all_azure) == [
        ("twin-l4", "azure-digital-twins"), ("twin-l1", "azure-device-identities"), ("twin-l5", "azure-grafana-dashboards"),
    ]
    for stack, name in post_deploy_steps(all_azure):
        index = next(i for i, s in enumerate(all_azure) if s.command[1:5] == ("-m", "twin_ops", "post-deploy", name))
        assert all_azure[index - 1].command[:2] == ("terraform", "apply") and all_azure[index - 1].stack == stack
        assert all_azure[index].command[-4:] == ("--tf-out", "cdktf.out", "--terraform", "terraform")
    google_l1 = topology({**dict.fromkeys(Layer, Provider.AWS), Layer.L1: Provider.GOOGLE})
    assert post_deploy_steps(plan_steps(google_l1, Action.DEPLOY, SETTINGS)) == [
        ("twin-l1", "gcp-telemetry-topic"), ("twin-l5", "aws-grafana-dashboards"),
    ]
    # MIXED: L1 on AWS, L4 on AWS: only the certificate download, right after `cdk deploy twin-l1`.
    mixed = plan_steps(topology(MIXED), Action.DEPLOY, SETTINGS)
    index = next(i for i, s in enumerate(mixed) if "post-deploy" in s.command)
    assert mixed[index - 1].command[:2] == ("cdk", "deploy") and mixed[index - 1].command[-1] == "twin-l1"
    assert mixed[index].command == ("python3", "-m", "twin_ops", "post-deploy", "aws-device-certificates", "--project", "proj")


def test_diff_and_destroy_have_no_post_deploy_steps():
    for action in (Action.DIFF, Action.DESTROY):
        assert post_deploy_steps(plan_steps(topology(dict.fromkeys(Layer, Provider.AZURE)), action, SETTINGS)) == []


def test_a_failed_post_deploy_step_resumes_without_redeploying_its_stack(tmp_path: Path):
    steps = plan_steps(topology(dict.fromkeys(Layer, Provider.AZURE)), Action.DEPLOY, SETTINGS)
    twins = next(s for s in steps if "azure-digital-twins" in s.command)
    state, ran = tmp_path / "state.json", []
    with pytest.raises(StepFailedError, match="stack twin-l4: .*post-deploy azure-digital-twins"):
        run_steps(steps, state, runner=lambda step: 1 if step == twins else 0, echo=lambda line: None)
    run_steps(steps, state, runner=lambda step: ran.append(step) or 0, echo=lambda line: None)
    assert ran == [steps[0], *steps[steps.index(twins):]]  # synth, then from the failed step on


def test_cli_reports_bad_project_without_traceback(tmp_path: Path, capsys):
    assert cli(["deploy", "--dry-run", "--project", str(tmp_path)]) == 1
    assert "config.json" in capsys.readouterr().err


EXAMPLES = sorted(p.name for p in (Path(__file__).resolve().parents[2] / "examples").iterdir() if p.is_dir())


@pytest.mark.parametrize("example", EXAMPLES)
def test_dry_run_plan_of_every_example_project(example, capsys):
    """Every bundled project gets a plan: synth first, each stack once in topology order, the right
    tool per cloud, receivers before senders, post-deploy steps after their stack."""
    from twin_model.config import load_project

    project = Path(__file__).resolve().parents[2] / "examples" / example
    config = load_project(project)
    topo = plan_project(config)
    assert cli(["deploy", "--dry-run", "--project", str(project)]) == 0
    lines = capsys.readouterr().out.splitlines()[1:]
    assert "app.py" in lines[0]
    stacks = []
    for line in lines[1:]:
        stack = line.split("[", 1)[1].split("]", 1)[0]
        if stack not in stacks:
            stacks.append(stack)
        tool_ok = "cdk deploy" in line or "post-deploy" in line
        if next(s for s in topo.stacks if s.name == stack).cloud is not Provider.AWS:
            tool_ok = "terraform" in line or "post-deploy" in line
        assert tool_ok, line
    assert stacks == [stack.name for stack in topo.stacks]
    for bridge in topo.bridges:
        assert stacks.index(topo.receiver_stack(bridge).name) < stacks.index(topo.sender_stack(bridge).name)


def test_every_placement_deploys_each_receiver_before_its_sender():
    """Every provider combination the loader accepts (L4/L5 "none" included), with and without device
    feedback: each stack once, receivers first, its cloud's tool, destroy the exact reverse."""
    failures = []
    for combo, features in itertools.product(COMBINATIONS, FEATURES):
        topo = plan("twin", providers_of(combo), features)
        try:
            steps = plan_steps(topo, Action.DEPLOY, SETTINGS)
            order = stacks_in_order(steps)
            assert order == [stack.name for stack in topo.stacks]
            assert len(order) == len(set(order)) == len(topo.layers) + (features.device_feedback and combo[0] != combo[1])
            for bridge in topo.bridges:
                receiver, sender = topo.receiver_stack(bridge).name, topo.sender_stack(bridge).name
                assert order.index(receiver) < order.index(sender), bridge.connection_id
            for step in iac_steps(steps):
                cloud = next(stack.cloud for stack in topo.stacks if stack.name == step.stack)
                assert step.command[0] == ("cdk" if cloud is Provider.AWS else "terraform"), step
            assert stacks_in_order(plan_steps(topo, Action.DESTROY, SETTINGS)) == list(reversed(order))
        except AssertionError as error:
            failures.append(f"{'/'.join(combo)} {features}: {error}")
    assert not failures, f"{len(failures)} plans fail, e.g.:\n" + "\n".join(failures[:5])


def test_the_feedback_receiver_deploys_between_l4_and_l2_with_its_clouds_tool():
    topo = plan("twin", Providers.of({**MIXED, Layer.L1: Provider.GOOGLE}), Features(device_feedback=True))
    steps = plan_steps(topo, Action.DEPLOY, SETTINGS)
    assert stacks_in_order(steps) == [
        "twin-l3-archive", "twin-l3-cold", "twin-l3-hot", "twin-l4", "twin-l1-feedback", "twin-l2", "twin-l1", "twin-l5",
    ]
    assert [s.command[:2] for s in steps if s.stack == "twin-l1-feedback"] == [("terraform", "init"), ("terraform", "apply")]
    # The part's own stack has no post-deploy step; L1's Pub/Sub step follows the L1 stack.
    assert post_deploy_steps(steps) == [("twin-l1", "gcp-telemetry-topic"), ("twin-l5", "azure-grafana-dashboards")]
