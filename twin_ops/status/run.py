"""`python -m twin_ops status --project DIR`: one report over every cloud of the twin.

Exit codes: 0 every cloud was reached and every check answered; 1 a check failed (e.g. access
denied; the row says why); 3 a cloud had no credentials (one line for it at the end, the other
clouds are reported in full).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from twin_model.config.model import Layer, ProjectConfig, Provider
from twin_model.topology import Topology
from twin_model.clouds import CLOUDS
from twin_ops.cloud_clients import CloudUnavailable, Clouds
from twin_ops.cloud_ops import cloud_ops
from twin_ops.azure_storage import AccountMissing
from twin_ops.dead_letters import DeadLetter
from twin_ops.redrive.run import label, open_destination
from twin_ops.status import hot, stacks

EXIT_OK, EXIT_CHECK_FAILED, EXIT_NO_CREDENTIALS = 0, 1, 3


class _Report:
    def __init__(self, clouds: Clouds, echo: Callable[[str], None]) -> None:
        self.clouds, self.echo, self.failed = clouds, echo, False

    def cell(self, cloud: Provider | None, check: Callable[[Any], str]) -> str:
        try:
            return check(self.clouds.open(cloud) if cloud is not None else None)
        except CloudUnavailable:
            return f"not checked (no {CLOUDS[cloud].title} credentials)"
        except hot.HotStoreMissing as missing:
            return f"{stacks.NOT_DEPLOYED} ({missing} does not exist)"
        except AccountMissing as missing:
            return f"{stacks.NOT_DEPLOYED} ({missing})"
        except Exception as error:  # noqa: BLE001 - one row's failure does not hide the others
            self.failed = True
            return f"error: {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"


def run_status(
    config: ProjectConfig,
    topology: Topology,
    destinations: tuple[DeadLetter, ...],
    clouds: Clouds,
    tf_outdir: Path,
    echo: Callable[[str], None] = print,
) -> int:
    report = _Report(clouds, echo)
    echo(f"# status {config.name}")
    echo("stacks:")
    width = max(len(twin_stack.name) for twin_stack in topology.stacks)
    for twin_stack in topology.stacks:
        stack, cloud = twin_stack.name, twin_stack.cloud
        if CLOUDS[cloud].terraform:  # its state object, wherever its backend keeps it
            state = _terraform_state(report, tf_outdir, stack)
        else:  # a CloudFormation stack
            state = report.cell(cloud, lambda c, s=stack: stacks.cloudformation_status(c.client("cloudformation"), s))
        echo(f"  {stack:<{width}}  {CLOUDS[cloud].title:<12}  {state}")

    echo("dead letters (messages parked, approximate):")
    for destination in destinations:
        echo(f"  {label(destination)}: {report.cell(destination.cloud, lambda c, d=destination: _depth(d, c, config.name))}")

    hot_cloud = topology.cloud(Layer.L3_HOT)
    echo(f"hot storage, newest record per device ({CLOUDS[hot_cloud].title}):")
    ops = cloud_ops(hot_cloud)
    unreachable = None
    for device in config.devices:
        if unreachable is None:
            row = report.cell(hot_cloud, lambda c, d=device.id: _record(ops.newest_record(c, config.name, d)))
            if row.startswith(("error:", "not checked", stacks.NOT_DEPLOYED)):
                unreachable = row
        echo(f"  {device.id}: {unreachable or row}")

    for line in clouds.unavailable.values():
        echo(f"{line}; its rows above were not checked")
    if report.failed:
        return EXIT_CHECK_FAILED
    return EXIT_NO_CREDENTIALS if clouds.unavailable else EXIT_OK


def _terraform_state(report: _Report, tf_outdir: Path, stack: str) -> str:
    backend = stacks.terraform_backend(tf_outdir, stack)
    if backend is None:
        return f"unknown: not synthesized in {tf_outdir} (run `make synth` for this project, or pass --tf-out)"
    kind, settings = backend
    stack_dir = tf_outdir / "stacks" / stack
    state = report.cell(stacks.BACKEND_CLOUDS.get(kind),
                        lambda c: stacks.describe_state(stacks.read_state(kind, settings, stack_dir, c)))
    return f"{state} ({kind} backend)"


def _depth(destination: DeadLetter, clients: Any, twin: str) -> str:
    source, _ = open_destination(destination, clients, twin)
    if source is None:
        return stacks.NOT_DEPLOYED
    count = source.depth()
    return "unknown (no Cloud Monitoring sample in the last 10 minutes)" if count is None else str(count)


def _record(record: dict | None) -> str:
    if record is None:
        return "no record"
    rest = {k: v for k, v in record.items() if k != "timestamp"}
    return f"{record.get('timestamp')}  {json.dumps(rest, sort_keys=True, default=str)}"
