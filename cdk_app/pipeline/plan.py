"""The twin's part of the pipeline: the order and commands of `make deploy` (twin_ops.deploy), as
the pipeline runs them — in a checkout of the repository with the Synth step's output at cdk.out/.

Built here from the topology and the clouds' post-deploy steps (twin_model.clouds), not imported
from the operator tooling (docs/design.md §2); the tests hold both to the same commands.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from dataclasses import dataclass

from twin_model.clouds import CLOUDS, PostDeploy
from twin_model.config.model import Layer, Provider
from cdk_app.pipeline.synth_step import TF_OUTDIR
from twin_model.topology import Topology

OPS_PYTHON = ".venv/bin/python"  # the post-deploy steps' virtualenv
TERRAFORM = "terraform"


@dataclass(frozen=True)
class PlanItem:
    """One item of the deploy order: a stack (a layer's, or a part split off it), or a post-deploy step after it."""

    layer: Layer
    cloud: Provider
    stack: str
    post_deploy: PostDeploy | None = None

    @property
    def stack_dir(self) -> str:
        return f"{TF_OUTDIR}/stacks/{self.stack}"

    def terraform_init(self) -> str:
        return _in_dir(self.stack_dir, (TERRAFORM, "init", "-input=false"))

    def terraform_apply(self) -> str:
        return _in_dir(self.stack_dir, (TERRAFORM, "apply", "-input=false", "-auto-approve"))

    def post_deploy_command(self, project: str) -> str:
        assert self.post_deploy is not None
        command = (OPS_PYTHON, "-m", "cdk_app", "post-deploy", self.post_deploy.name, "--project", project)
        if self.cloud is not Provider.AWS:
            command += ("--tf-out", TF_OUTDIR, "--terraform", TERRAFORM)
        return shlex.join(command)


def deploy_items(topology: Topology) -> Iterator[PlanItem]:
    """Receivers before senders (the topology's stacks in deploy order), each layer's post-deploy
    steps right after its own stack (a part split off a layer has none)."""
    for twin_stack in topology.stacks:
        layer, cloud, stack = twin_stack.layer, twin_stack.cloud, twin_stack.name
        yield PlanItem(layer, cloud, stack)
        if twin_stack.part is not None:
            continue
        for step in CLOUDS[cloud].post_deploy:
            if step.layer is layer:
                yield PlanItem(layer, cloud, stack, step)


def _in_dir(directory: str, command: tuple[str, ...]) -> str:
    return f"(cd {shlex.quote(directory)} && {shlex.join(command)})"
