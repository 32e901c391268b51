"""The deploy plan of a twin, defined once: its stacks in deploy order, each with its cloud's IaC
commands, and each post-deploy step right after the stack it needs (docs/design.md §4, §8).

Three runners read it: `make deploy|diff|destroy` runs the commands (twin_ops.deploy), the
delivery pipeline turns each item into a pipeline step (cdk_app.pipeline), and `make local`
deploys the synthesized output into local services in its order and runs each post-deploy
step's local counterpart (twin_ops.local). Pure: topology in, items and argument tuples out.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from enum import Enum

from twin_model.clouds import CLOUDS, AwsAccess, PostDeploy
from twin_model.config.model import Layer, Provider
from twin_model.topology import Topology, TwinStack

OPS_MODULE = "twin_ops"  # `python -m twin_ops post-deploy <step>`


class Action(str, Enum):
    DEPLOY = "deploy"
    DIFF = "diff"
    DESTROY = "destroy"


@dataclass(frozen=True)
class PostDeployStep:
    """A step no IaC resource covers, declared in its cloud's CLOUDS entry: it runs right after the
    stack of `layer` when that layer is on `cloud`. Its code is the module `twin_ops.post_deploy.<module>`."""

    cloud: Provider
    declared: PostDeploy

    @property
    def name(self) -> str:
        return self.declared.name

    @property
    def layer(self) -> Layer:
        return self.declared.layer

    @property
    def summary(self) -> str:
        return self.declared.summary

    @property
    def aws_access(self) -> tuple[AwsAccess, ...]:
        return self.declared.aws_access

    @property
    def environment(self) -> tuple[tuple[str, str], ...]:
        return self.declared.environment

    @property
    def module(self) -> str:
        return self.name.replace("-", "_")


# Every post-deploy step, in the order its cloud declares them.
POST_DEPLOY_STEPS = tuple(PostDeployStep(cloud.provider, step) for cloud in CLOUDS.values() for step in cloud.post_deploy)


def post_deploy_step(name: str) -> PostDeployStep:
    return next(step for step in POST_DEPLOY_STEPS if step.name == name)


@dataclass(frozen=True)
class Step:
    """One command of the plan: its stack ("*" for the synth), its arguments and where it runs."""

    stack: str
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
    """Where the commands run and with which tools: this machine for `make deploy`, the pipeline's
    checkout (with the Synth step's output at cdk.out/) for the pipeline."""

    project: str
    outdir: str = "cdk.out"
    tf_outdir: str = "cdktf.out"
    cdk: str = "node_modules/.bin/cdk"
    terraform: str = "terraform"
    python: str = "python3"  # runs app.py and the post-deploy steps
    app: str = "app.py"  # the CDK app's entry point


@dataclass(frozen=True)
class PlanItem:
    """A stack of the twin (a layer's own, or a part split off it), or a post-deploy step after it."""

    stack: TwinStack
    post_deploy: PostDeployStep | None = None

    @property
    def cloud(self) -> Provider:
        return self.stack.cloud

    @property
    def terraform(self) -> bool:
        """The stack is a Terraform stack (CDK Terrain), not a CloudFormation one."""
        return CLOUDS[self.cloud].terraform

    def stack_dir(self, settings: PlanSettings) -> str:
        return f"{settings.tf_outdir}/stacks/{self.stack.name}"

    def terraform_init(self, settings: PlanSettings) -> Step:
        return Step(self.stack.name, (settings.terraform, "init", "-input=false"), self.stack_dir(settings))

    def steps(self, action: Action, settings: PlanSettings) -> tuple[Step, ...]:
        name = self.stack.name
        if self.post_deploy is not None:
            command = (settings.python, "-m", OPS_MODULE, "post-deploy", self.post_deploy.name, "--project", settings.project)
            # On a Terraform stack the step reads the deployed values from the stack's state.
            state = ("--tf-out", settings.tf_outdir, "--terraform", settings.terraform) if self.terraform else ()
            return (Step(name, command + state),)
        if self.terraform:
            apply = _TERRAFORM[action]
            return (self.terraform_init(settings), Step(name, (settings.terraform, *apply), self.stack_dir(settings)))
        app = ("--app", settings.outdir)  # deploy the assembly just synthesized, not a fresh synth
        return (Step(name, (settings.cdk, action.value, *app, *_CDK[action], "--exclusively", name)),)


_TERRAFORM = {
    Action.DEPLOY: ("apply", "-input=false", "-auto-approve"),
    Action.DIFF: ("plan", "-input=false"),
    Action.DESTROY: ("destroy", "-input=false", "-auto-approve"),
}
_CDK: dict[Action, tuple[str, ...]] = {
    Action.DEPLOY: ("--require-approval", "never"),
    Action.DIFF: (),
    Action.DESTROY: ("--force",),
}


def deploy_plan(topology: Topology, action: Action = Action.DEPLOY) -> tuple[PlanItem, ...]:
    """Deploy: the topology's stacks in deploy order (receivers before senders), each layer's
    post-deploy steps right after its own stack (a part split off a layer has none). Diff: the
    same stacks, no steps. Destroy: the stacks in reverse, no steps."""
    if action is Action.DESTROY:
        return tuple(PlanItem(stack) for stack in reversed(topology.stacks))
    items = []
    for stack in topology.stacks:
        items.append(PlanItem(stack))
        if action is Action.DEPLOY:
            items += [PlanItem(stack, step) for step in steps_after(stack)]
    return tuple(items)


def steps_after(stack: TwinStack) -> tuple[PostDeployStep, ...]:
    """The post-deploy steps of `stack`'s layer on its cloud (a layer's own stack only)."""
    if stack.part is not None:
        return ()
    return tuple(step for step in POST_DEPLOY_STEPS if step.layer is stack.layer and step.cloud is stack.cloud)


def synth_step(settings: PlanSettings) -> Step:
    """app.py itself, as the CDK CLI would run it: the CLI refuses a twin without AWS stacks."""
    context = json.dumps({"project": settings.project, "tf_outdir": settings.tf_outdir})
    return Step("*", ("env", f"CDK_OUTDIR={settings.outdir}", f"CDK_CONTEXT_JSON={context}", settings.python, settings.app))


def plan_steps(topology: Topology, action: Action, settings: PlanSettings) -> list[Step]:
    """The ordered commands of `action`: one synth, then each plan item's."""
    return [synth_step(settings), *(step for item in deploy_plan(topology, action) for step in item.steps(action, settings))]
