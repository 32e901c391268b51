"""`make deploy|diff|destroy DRY_RUN=1` print plans whose commands work as printed.

The plan of a twin with Azure layers used to fail at its first step (the synth). Here the plan is
printed through make with an absolute PROJECT and OUT and a relative TF_OUT, its synth step is run
exactly as printed, and every later step must find what it works on: the cloud assembly and the
stack's template for `cdk`, the stack's `cdk.tf.json` in the directory a Terraform step runs in.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from tests.commands.conftest import run_shell

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
    ran = run_shell(synth, fresh_clone)
    assert ran.returncode == 0 and "Traceback" not in ran.output, ran.output[-4000:]
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
