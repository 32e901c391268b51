"""`python -m twin_ops post-deploy <step> --project DIR`: run one step against the real clouds.

The step is found by its name (twin_model.deploy_plan.POST_DEPLOY_STEPS, declared in CLOUDS) and
runs from its module, `twin_ops.post_deploy.<module>.run`, which builds the real clients; the
module's other functions get them injected, which is what their tests replace.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from twin_model.config import load_project
from twin_model.deploy_plan import PostDeployStep, post_deploy_step
from twin_model.topology import Topology, plan_project
from twin_ops.post_deploy import PostDeployError, PostDeployRequest


def run_post_deploy(request: PostDeployRequest, echo: Callable[[str], None] = print) -> None:
    config = load_project(request.project)
    topology = plan_project(config)
    step = post_deploy_step(request.step)
    _check_placement(step, topology)
    echo(importlib.import_module(f"twin_ops.post_deploy.{step.module}").run(request, config, topology))


def expected_errors() -> tuple[type[BaseException], ...]:
    """Failures reported as one line: the step's own, cloud refusals, missing files."""
    from botocore.exceptions import BotoCoreError, ClientError

    return PostDeployError, BotoCoreError, ClientError, OSError  # AzureRestError is a PostDeployError


def _check_placement(step: PostDeployStep, topology: Topology) -> None:
    if not topology.placed(step.layer):
        raise PostDeployError(f"{step.name} is for {step.layer.value} on {step.cloud.value}; this twin has no {step.layer.value}")
    cloud = topology.cloud(step.layer)
    if cloud is not step.cloud:
        raise PostDeployError(
            f"{step.name} is for {step.layer.value} on {step.cloud.value}; this twin's {step.layer.value} is on {cloud.value}"
        )
