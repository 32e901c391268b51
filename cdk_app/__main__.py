"""`python -m cdk_app deploy|diff|destroy --project DIR [--dry-run]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cdk_app.config import ProjectConfigError, load_project
from cdk_app.config.model import Provider
from cdk_app.deploy import (
    Action,
    MissingToolError,
    PlanSettings,
    StepFailedError,
    find_terraform,
    plan_steps,
    run_steps,
)
from cdk_app.paths import DEFAULT_PROJECT
from cdk_app.topology import plan

STATE_DIR = Path(".dt-deploy")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cdk_app", description="Deploy a multi-cloud digital twin.")
    parser.add_argument("action", choices=[a.value for a in Action])
    parser.add_argument("--project", default=str(DEFAULT_PROJECT), help="project folder (default: the bundled example)")
    parser.add_argument("--out", default="cdk.out", help="CDK cloud assembly directory")
    parser.add_argument("--tf-out", default="cdktf.out", help="Terraform output directory")
    parser.add_argument("--cdk", default="node_modules/.bin/cdk", help="the CDK CLI to call")
    parser.add_argument("--dry-run", action="store_true", help="print the ordered commands without running them")
    args = parser.parse_args(argv)

    try:
        config = load_project(args.project)
    except ProjectConfigError as error:
        print(error.report(), file=sys.stderr)
        return 1
    topology = plan(config.name, config.providers)
    action = Action(args.action)
    needs_terraform = any(cloud is not Provider.AWS for cloud in topology.clouds)
    terraform = "terraform"
    if needs_terraform and not args.dry_run:
        try:
            terraform = find_terraform()
        except MissingToolError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    settings = PlanSettings(args.project, args.out, args.tf_out, args.cdk, terraform)
    steps = plan_steps(topology, action, settings)
    if args.dry_run:
        print(f"# {action.value} {config.name}: {len(steps)} steps, receivers before senders")
        for number, step in enumerate(steps, 1):
            print(f"{number:>2}. [{step.stack}] {step.render()}")
        return 0
    try:
        run_steps(steps, STATE_DIR / f"{config.name}-{action.value}.json")
    except StepFailedError as error:
        print(f"error: {error}; re-run the same command to resume after fixing it", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
