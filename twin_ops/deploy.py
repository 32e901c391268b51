"""Deploy, diff and destroy a twin across CDK and Terraform in topology order.

The plan is pure (topology → ordered steps) so `--dry-run` and the tests see exactly what a real
run executes. Receivers deploy before senders (docs/design.md §4); destroy runs the reverse. A failed step
stops the run and names its stack and command; completed steps are recorded so a re-run resumes.
A deploy runs each post-deploy step (cdk_app/post_deploy) right after the stack it needs, as one
more command of the same plan.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from twin_model.config.model import Provider
from twin_ops.post_deploy import PostDeployStep, steps_after
from twin_model.topology import Topology

TERRAFORM_TOOLS = ("terraform", "tofu")


class Action(str, Enum):
    DEPLOY = "deploy"
    DIFF = "diff"
    DESTROY = "destroy"


@dataclass(frozen=True)
class Step:
    stack: str  # the stack the step acts on ("*" for the synth step)
    command: tuple[str, ...]
    cwd: str = "."

    def render(self) -> str:
        prefix = f"(cd {shlex.quote(self.cwd)} && " if self.cwd != "." else ""
        return prefix + shlex.join(self.command) + (")" if prefix else "")

    @property
    def key(self) -> str:
        return f"{self.stack}:{self.render()}"


@dataclass(frozen=True)
class PlanSettings:
    project: str
    outdir: str = "cdk.out"
    tf_outdir: str = "cdktf.out"
    cdk: str = "node_modules/.bin/cdk"
    terraform: str = "terraform"
    python: str = "python3"  # runs app.py and the post-deploy steps (`python -m cdk_app post-deploy ...`)
    app: str = "app.py"  # the CDK app's entry point


class MissingToolError(RuntimeError):
    pass


class StepFailedError(RuntimeError):
    def __init__(self, step: Step, returncode: int) -> None:
        super().__init__(f"stack {step.stack}: `{step.render()}` failed with exit code {returncode}")
        self.step = step


def find_terraform(which: Callable[[str], str | None] = shutil.which) -> str:
    """The first of terraform/tofu on PATH, or a clear error naming both."""
    for tool in TERRAFORM_TOOLS:
        if which(tool):
            return tool
    raise MissingToolError(
        "this twin has Terraform stacks but neither `terraform` nor `tofu` is on PATH; "
        "install one of them (https://developer.hashicorp.com/terraform/install or https://opentofu.org)"
    )


def synth_step(settings: PlanSettings) -> Step:
    """app.py itself, as the CDK CLI would run it: the CLI refuses a twin without AWS stacks."""
    context = json.dumps({"project": settings.project, "tf_outdir": settings.tf_outdir})
    return Step("*", ("env", f"CDK_OUTDIR={settings.outdir}", f"CDK_CONTEXT_JSON={context}", settings.python, settings.app))


def plan_steps(topology: Topology, action: Action, settings: PlanSettings) -> list[Step]:
    """The ordered commands for `action`: one synth, then one or two commands per stack."""
    steps = [synth_step(settings)]
    stacks = topology.stacks if action is not Action.DESTROY else tuple(reversed(topology.stacks))
    for twin_stack in stacks:
        stack = twin_stack.name
        if twin_stack.cloud is Provider.AWS:
            steps.append(Step(stack, _cdk_command(settings, action, stack)))
        else:
            cwd = f"{settings.tf_outdir}/stacks/{stack}"
            steps.append(Step(stack, (settings.terraform, "init", "-input=false"), cwd))
            steps.append(Step(stack, _terraform_command(settings.terraform, action), cwd))
        if action is Action.DEPLOY:
            steps.extend(Step(stack, _post_deploy_command(settings, step)) for step in steps_after(topology, twin_stack))
    return steps


def _cdk_command(settings: PlanSettings, action: Action, stack: str) -> tuple[str, ...]:
    app = ("--app", settings.outdir)  # deploy the assembly just synthesized, not a fresh synth
    if action is Action.DEPLOY:
        return (settings.cdk, "deploy", *app, "--require-approval", "never", "--exclusively", stack)
    if action is Action.DIFF:
        return (settings.cdk, "diff", *app, "--exclusively", stack)
    return (settings.cdk, "destroy", *app, "--force", "--exclusively", stack)


def _post_deploy_command(settings: PlanSettings, step: PostDeployStep) -> tuple[str, ...]:
    command = (settings.python, "-m", "cdk_app", "post-deploy", step.name, "--project", settings.project)
    if step.cloud is Provider.AWS:
        return command
    return (*command, "--tf-out", settings.tf_outdir, "--terraform", settings.terraform)


def _terraform_command(terraform: str, action: Action) -> tuple[str, ...]:
    return {
        Action.DEPLOY: (terraform, "apply", "-input=false", "-auto-approve"),
        Action.DIFF: (terraform, "plan", "-input=false"),
        Action.DESTROY: (terraform, "destroy", "-input=false", "-auto-approve"),
    }[action]


def run_steps(
    steps: Sequence[Step],
    state_file: Path,
    runner: Callable[[Step], int] | None = None,
    echo: Callable[[str], None] = lambda line: print(line, file=sys.stderr),
) -> None:
    """Run steps in order, skipping those a previous run completed; stop at the first failure."""
    run = runner or _subprocess_runner
    done = set(json.loads(state_file.read_text())) if state_file.is_file() else set()
    synth_key = steps[0].key if steps else None
    for step in steps:
        # The synth step always runs: later steps must use this run's templates.
        if step.key in done and step.key != synth_key:
            echo(f"skip (done earlier): {step.render()}")
            continue
        echo(f"run: {step.render()}")
        returncode = run(step)
        if returncode != 0:
            raise StepFailedError(step, returncode)
        done.add(step.key)
        state_file.parent.mkdir(parents=True, exist_ok=True)
        state_file.write_text(json.dumps(sorted(done), indent=1))
    state_file.unlink(missing_ok=True)  # a finished run starts fresh next time


def _subprocess_runner(step: Step) -> int:
    return subprocess.run(step.command, cwd=step.cwd).returncode
