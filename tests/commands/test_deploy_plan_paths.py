"""`make deploy|diff|destroy DRY_RUN=1` print plans whose commands work as printed.

The plan of a twin with Azure layers used to fail at its first step (the synth). Here the plan is
printed through make with an absolute PROJECT and OUT and a relative TF_OUT, and every later step
must find what its synth step writes: the cloud assembly and the stack's template for `cdk`, the
stack's `cdk.tf.json` in the directory a Terraform step runs in.

The synth step is app.py with its output folders and project in its environment: the entry point
that tests/commands/test_readme_commands.py runs for real (`make synth ... OUT=... TF_OUT=...`,
and `python3 app.py` through the CDK CLI). Here that environment is synthesized in-process from
the shared synth cache and its output copied to the folders the step names.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest

from tests.commands.conftest import run_shell
from tests.conftest import synthesize_project

pytestmark = pytest.mark.commands

STEP = re.compile(r"^\s*\d+\. \[(?P<stack>[^\]]+)\] (?P<command>.+)$", re.M)


def plan_of(output: str) -> list[tuple[str, str]]:
    return [(m["stack"], m["command"]) for m in STEP.finditer(output)]


@pytest.fixture(scope="module")
def mixed_plans(fresh_clone, tmp_path_factory):
    out = tmp_path_factory.mktemp("assembly") / "cdk.out"
    project = fresh_clone / "examples" / "factory-floor-aws-azure"
    plans = {}
    for action in ("deploy", "diff", "destroy"):
        ran = run_shell(f"make {action} PROJECT={project} OUT={out} TF_OUT=build/tf DRY_RUN=1", fresh_clone)
        assert ran.returncode == 0, ran.output[-3000:]
        plans[action] = plan_of(ran.stdout)
    synth_stack, synth = plans["deploy"][0]
    assert synth_stack == "*"
    env, *assignments, python, app = shlex.split(synth)
    assert (env, Path(python), Path(app)) == ("env", fresh_clone / ".venv/bin/python", fresh_clone / "app.py"), synth
    settings = dict(assignment.split("=", 1) for assignment in assignments)
    assert set(settings) == {"CDK_OUTDIR", "CDK_CONTEXT_JSON"}, synth
    context = json.loads(settings["CDK_CONTEXT_JSON"])
    made = synthesize_project(fresh_clone / context.pop("project"), **{k: v for k, v in context.items() if k != "tf_outdir"})
    # The clone is the worker's: a README command run there before may have written TF_OUT already.
    for source, target in ((made.outdir, fresh_clone / settings["CDK_OUTDIR"]), (made.tf_outdir, fresh_clone / context["tf_outdir"])):
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source, target)
    return plans, out


def test_the_three_plans_share_one_synth_step(mixed_plans):
    plans, _ = mixed_plans
    assert plans["deploy"][0] == plans["diff"][0] == plans["destroy"][0]


@pytest.mark.parametrize("action", ["deploy", "diff", "destroy"])
def test_every_step_finds_what_it_works_on(mixed_plans, fresh_clone, action):
    plans, out = mixed_plans
    manifest = json.loads((out / "manifest.json").read_text())
    for stack, command in plans[action][1:]:
        if " post-deploy " in command:
            continue  # needs the deployed twin (tests/deploy cover the steps)
        cd = re.match(r"^\(cd (\S+) && (.*)\)$", command)
        if cd:  # a Terraform step
            workdir = fresh_clone / shlex.split(cd.group(1))[0]
            assert (workdir / "cdk.tf.json").is_file(), command
            assert json.loads((workdir / "cdk.tf.json").read_text())["terraform"], command
            continue
        tokens = shlex.split(command)
        assert Path(tokens[0]).name == "cdk" and (fresh_clone / tokens[0]).exists(), command
        assembly = Path(tokens[tokens.index("--app") + 1])
        assert assembly == out, command
        assert stack in manifest["artifacts"], f"{stack} is not in the assembly the step deploys"
        assert tokens[tokens.index("--exclusively") + 1] == stack


def test_terraform_steps_precede_their_senders_in_the_printed_order(mixed_plans):
    plans, _ = mixed_plans
    order = [stack for stack, _ in plans["deploy"][1:]]
    first = {stack: order.index(stack) for stack in order}
    # examples/factory-floor-aws-azure: L2 and L3 hot on Azure receive from L1 / the persister on AWS.
    assert first["factory-floor-mix-l3-hot"] < first["factory-floor-mix-l2"] < first["factory-floor-mix-l1"]
