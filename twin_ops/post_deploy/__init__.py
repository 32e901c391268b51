"""Post-deploy steps: data-plane objects and local files that no IaC resource covers.

Each step is a module of pure functions over an injected client (the cloud SDK or REST boundary),
run by `python -m cdk_app post-deploy <step>` right after the stack it depends on, so the deploy
plan (cdk_app/deploy.py) shows it in `--dry-run` and resumes over it like any other step. Every
step is idempotent: re-running it creates only what is missing.

This module stays import-light: the deploy planner reads STEPS without loading any cloud SDK.
"""

from __future__ import annotations

from dataclasses import dataclass

from twin_model.clouds import CLOUDS
from twin_model.config.model import Layer, Provider
from twin_model.topology import Topology, TwinStack


@dataclass(frozen=True)
class PostDeployStep:
    name: str
    cloud: Provider  # the step runs when `layer` is placed on this cloud
    layer: Layer  # ... right after that layer's stack is deployed
    summary: str


# Each cloud lists its steps (twin_model/clouds.py), which the delivery pipeline runs too.
STEPS = tuple(
    PostDeployStep(step.name, cloud.provider, step.layer, step.summary)
    for cloud in CLOUDS.values()
    for step in cloud.post_deploy
)
STEP_NAMES = tuple(step.name for step in STEPS)


class PostDeployError(RuntimeError):
    """An expected failure (missing file, undeployed stack, unusable identity): one line, no traceback."""


def steps_after(topology: Topology, stack: TwinStack) -> tuple[PostDeployStep, ...]:
    """The steps that run right after `stack`: those of its layer and cloud (a layer's own stack only)."""
    if stack.part is not None:
        return ()
    return tuple(step for step in STEPS if step.layer is stack.layer and stack.cloud is step.cloud)
