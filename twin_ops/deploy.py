"""Run a deploy plan (twin_model.deploy_plan): deploy, diff and destroy a twin across CDK and
Terraform, receivers first (docs/design.md §4), destroy in reverse.

The plan is pure, so `--dry-run` and the tests see exactly what a real run executes. A failed
step stops the run and names its stack and command; completed steps are recorded so a re-run
resumes. A deploy runs each post-deploy step right after the stack it needs, as one more command.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from twin_model.deploy_plan import Step
from twin_ops import processes

TERRAFORM_TOOLS = ("terraform", "tofu")


class MissingToolError(RuntimeError):
    pass


class StepFailedError(RuntimeError):
    def __init__(self, step: Step, outcome: int | str) -> None:
        """`outcome`: the command's exit code, or why it could not start."""
        how = f"failed with exit code {outcome}" if isinstance(outcome, int) else f"could not start ({outcome})"
        super().__init__(f"stack {step.stack}: `{step.render()}` {how}")
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
    try:
        return processes.run(step.command, cwd=step.cwd).returncode
    except OSError as error:  # the tool or the stack's folder is missing
        raise StepFailedError(step, f"{error.strerror or error}: {error.filename or step.command[0]}") from None
