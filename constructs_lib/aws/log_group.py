"""The one shape of the twin's log groups: bounded retention, kept after the stack outside DEBUG."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_logs as logs
from constructs import Construct


def log_group(scope: Construct, id: str, *, debug: bool, name: str | None = None) -> logs.LogGroup:
    """A log group made in `scope` under `id` itself, so its logical id is the caller's."""
    return logs.LogGroup(
        scope,
        id,
        log_group_name=name,
        retention=logs.RetentionDays.ONE_WEEK if debug else logs.RetentionDays.THREE_MONTHS,
        removal_policy=RemovalPolicy.DESTROY if debug else RemovalPolicy.RETAIN,
    )
