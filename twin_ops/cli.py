"""`python -m twin_ops deploy|diff|destroy|post-deploy|simulate|status|redrive|migrate|local` (run with `--help` for each)."""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from twin_model.clouds import CLOUDS
from twin_model.config import ProjectConfig, ProjectConfigError, load_project
from twin_model.config.model import Layer, Provider
from twin_model.deploy_plan import POST_DEPLOY_STEPS, Action, PlanSettings, plan_steps
from twin_model.paths import DEFAULT_PROJECT, REPO_ROOT
from twin_model.topology import Topology, plan_project
from twin_ops import processes
from twin_ops.deploy import MissingToolError, StepFailedError, find_terraform, run_steps

STATE_DIR = Path(".dt-deploy")
REDRIVE_DIR = Path(".dt-redrive")
PROJECT_HELP = "project folder (default: the bundled example)"
REGION_HELP = "AWS region of the twin (default: AWS_REGION, else the synth default)"
GCP_PROJECT_HELP = "Google Cloud project (default: GOOGLE_CLOUD_PROJECT, else the credentials' project)"
STATUS_HELP = "per stack its deployed state, dead-letter depths, the newest record per device"
STATUS_DESCRIPTION = "Report what is deployed, what failed deliveries are parked, and what arrived last."
STATUS_EPILOG = """\
Clouds are reached with their standard credentials; a cloud without them gets one line and its
rows say "not checked". Exit codes: 0 every check answered, 1 a check failed (the row says why),
2 usage error, 3 a cloud had no credentials."""
REDRIVE_HELP = "move dead-lettered messages back to where they failed"
REDRIVE_DESCRIPTION = """\
Move what the twin's dead-letter queues, poison queues and dead-letter topics hold
back to the function, queue or topic it failed in, and report the counts."""
REDRIVE_EPILOG = """\
Each message is delivered before it is deleted and journaled in between, so a run interrupted
half-way and run again moves every message once. Messages parked after the run started are left
for the next run. Exit codes: 0 everything parked at the start was moved, 1 some message was kept
(its reason is printed) or a dead-letter store could not be read, 2 usage error, 3 a cloud had no
credentials (its dead letters were not touched), 130 interrupted (run it again to finish)."""
MIGRATE_HELP = "write a 3-cloud-deployer project in this project's format, reporting every change"
MIGRATE_DESCRIPTION = """\
Copy a project of either 3-cloud-deployer generation (or this project's) to NEW_DIR in this
project's format: each file the synth reads in its native place, predecessor-only keys removed,
adapted workflows as deployed. Every change and every file left behind is printed."""
MIGRATE_EPILOG = """\
The old project must load as `cdk synth` loads it; the migrated one is loaded again and must
describe the same twin, so it synthesizes the same stacks. Exit codes: 0 migrated, 1 the old
project has problems (listed) or the result would differ (nothing is kept), 2 NEW_DIR cannot be
used (it exists and is not empty, lies inside OLD_DIR, or cannot be created or written: the reason
is printed)."""


def main(argv: list[str] | None = None) -> int:
    """Exit 0/1/2 (3 and 130/143 where a command documents them) with a message, never a traceback
    for what a user can type: argparse reports usage (2), projects their problems, the file system
    and the network their reason; Ctrl-C, SIGTERM and SIGHUP end every process the command started."""
    _tolerant_output()
    args = _parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    with processes.stopping_on_signals():
        try:
            return handler(args)
        except _Exit as exit:
            return exit.code
        except KeyboardInterrupt as stop:
            print(f"interrupted ({'Ctrl-C' if not isinstance(stop, processes.Stopped) else stop})", file=sys.stderr)
            return processes.exit_code(stop)
        except OSError as error:  # a path that cannot be read or written, a connection refused
            print(f"error: {_os_error(error)}", file=sys.stderr)
            return 1


def _tolerant_output() -> None:
    """A path given in bytes that are not UTF-8 reaches Python as surrogate escapes: printed back as
    escapes rather than failing the command after its work is done."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


def _os_error(error: OSError) -> str:
    where = f"{error.filename}: " if error.filename else ""
    return f"{where}{error.strerror or error}"


class _Exit(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


@contextmanager
def _reported(code: int, expected: tuple[type[BaseException], ...] = (), label: str = "error") -> Iterator[None]:
    """A project that does not load, or a failure the command expects (a missing tool, a refused
    call), ends the command with its report on stderr and exit `code`, never with a traceback."""
    try:
        yield
    except ProjectConfigError as error:
        print(error.report(), file=sys.stderr)
        raise _Exit(code) from None
    except expected as error:
        print(f"{label}: {error}", file=sys.stderr)
        raise _Exit(code) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m twin_ops", description="Deploy and exercise a multi-cloud digital twin.")
    commands = parser.add_subparsers(dest="command", required=True)
    for action in Action:
        command = commands.add_parser(action.value, help=f"{action.value} every stack in topology order")
        command.add_argument("--project", default=str(DEFAULT_PROJECT), help=PROJECT_HELP)
        command.add_argument("--out", default="cdk.out", help="CDK cloud assembly directory")
        command.add_argument("--tf-out", default="cdktf.out", help="Terraform output directory")
        command.add_argument("--cdk", default="node_modules/.bin/cdk", help="the CDK CLI to call")
        command.add_argument("--dry-run", action="store_true", help="print the ordered commands without running them")
        command.set_defaults(handler=_run_plan, action=action)

    post_deploy = commands.add_parser("post-deploy", help="one post-deploy step (the deploy plan runs them all)")
    post_deploy.add_argument("step", choices=[step.name for step in POST_DEPLOY_STEPS])
    post_deploy.add_argument("--project", default=str(DEFAULT_PROJECT), help=PROJECT_HELP)
    post_deploy.add_argument("--tf-out", default="cdktf.out", help="Terraform output directory")
    post_deploy.add_argument("--terraform", default="terraform", help="terraform or tofu (reads deployed values)")
    post_deploy.add_argument("--region", help="AWS region of the twin (default: AWS_REGION, else the synth default)")
    post_deploy.set_defaults(handler=_run_post_deploy)

    simulate = commands.add_parser("simulate", help="send the project's sample payloads from its devices")
    simulate.add_argument("--project", default=str(DEFAULT_PROJECT), help=PROJECT_HELP)
    simulate.add_argument("--device", help="only this device (default: every device with payloads)")
    simulate.add_argument("--count", type=_positive, help="messages per device, cycling its payloads (default: each once)")
    simulate.add_argument("--feedback-wait", type=_seconds, default=5.0, help="seconds to listen for feedback (default 5)")
    simulate.set_defaults(handler=_run_simulate)

    status = _documented(commands, "status", STATUS_HELP, STATUS_DESCRIPTION, STATUS_EPILOG)
    status.add_argument("--project", default=str(DEFAULT_PROJECT), help=PROJECT_HELP)
    status.add_argument("--tf-out", default="cdktf.out", help="Terraform output directory (each stack's backend is read there)")
    _reaches_deployed_clouds(status)
    status.set_defaults(handler=_run_status)

    redrive = _documented(commands, "redrive", REDRIVE_HELP, REDRIVE_DESCRIPTION, REDRIVE_EPILOG)
    redrive.add_argument("--project", default=str(DEFAULT_PROJECT), help=PROJECT_HELP)
    redrive.add_argument("--layer", choices=[layer.value for layer in Layer], help="only this layer's dead letters")
    redrive.add_argument("--dry-run", action="store_true", help="count what is parked, move nothing")
    redrive.add_argument("--journal", help=f"journal of delivered messages (default: {REDRIVE_DIR}/<twin>.jsonl)")
    _reaches_deployed_clouds(redrive)
    redrive.set_defaults(handler=_run_redrive)

    migrate = _documented(commands, "migrate", MIGRATE_HELP, MIGRATE_DESCRIPTION, MIGRATE_EPILOG)
    migrate.add_argument("old_dir", metavar="OLD_DIR", help="the project to migrate (left unchanged)")
    migrate.add_argument("new_dir", metavar="NEW_DIR", help="a new or empty folder outside OLD_DIR")
    migrate.set_defaults(handler=_run_migrate)

    local = commands.add_parser("local", help="run the synthesized twin on this machine and account for every record")
    local.add_argument("--project", default=str(DEFAULT_PROJECT), help=PROJECT_HELP)
    local.add_argument("--devices", type=_positive, help="devices that send (default: the project's; more are cloned from them)")
    local.add_argument("--messages", type=_positive, help="messages per device, cycling its sample payloads (default: each once)")
    local.add_argument("--outage", type=_seconds, default=0.0, metavar="SECONDS",
                       help="every data-carrying bridge receiver answers 503 this long once its traffic starts")
    local.add_argument("--workdir", help="keep the run's files (synth, logs, hosts) here instead of a temporary directory")
    local.add_argument("--timeout", type=_seconds, default=300.0, help="seconds each stage may take to settle (default 300)")
    local.set_defaults(handler=_run_local)
    return parser


def _documented(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], name: str, help: str, description: str, epilog: str
) -> argparse.ArgumentParser:
    """A subcommand whose `--help` carries a description and an epilog (exit codes) as written."""
    return commands.add_parser(
        name, help=help, description=description, epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter
    )


def _reaches_deployed_clouds(command: argparse.ArgumentParser) -> None:
    """Where the deployed twin is on the clouds that need it named (Azure's names come from cdktf.out)."""
    command.add_argument("--region", help=REGION_HELP)
    command.add_argument("--gcp-project", help=GCP_PROJECT_HELP)


MAX_COUNT = 1_000_000  # devices or messages: more is a typing slip, not a run anyone waits for
MAX_SECONDS = 24 * 3600


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a whole number, not {text!r}") from None
    if not 1 <= value <= MAX_COUNT:
        raise argparse.ArgumentTypeError(f"must be at least 1 and at most {MAX_COUNT:,} (got {value})")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a number of seconds, not {text!r}") from None
    if not 0 <= value <= MAX_SECONDS:  # also NaN
        raise argparse.ArgumentTypeError(f"seconds from 0 to {MAX_SECONDS:,} (got {text})")
    return value


def _load(args: argparse.Namespace) -> tuple[ProjectConfig, Topology]:
    """The project and its topology (a project that does not load: its report, exit 1)."""
    with _reported(1):
        config = load_project(args.project)
    return config, plan_project(config)


def _run_plan(args: argparse.Namespace) -> int:
    config, topology = _load(args)
    action: Action = args.action
    needs_terraform = any(CLOUDS[cloud].terraform for cloud in topology.clouds)
    terraform = "terraform"
    if needs_terraform and not args.dry_run:
        with _reported(2, (MissingToolError,)):
            terraform = find_terraform()
    settings = PlanSettings(args.project, args.out, args.tf_out, args.cdk, terraform, python=sys.executable, app=str(REPO_ROOT / "app.py"))
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


def _run_post_deploy(args: argparse.Namespace) -> int:
    from twin_ops.post_deploy import PostDeployRequest
    from twin_ops.post_deploy.cli import expected_errors, run_post_deploy

    request = PostDeployRequest(args.step, Path(args.project), Path(args.tf_out), args.terraform, args.region)
    with _reported(1, expected_errors(), label=f"error: post-deploy {args.step}"):
        run_post_deploy(request)
    return 0


def _run_simulate(args: argparse.Namespace) -> int:
    from twin_ops.simulator.errors import SimulatorError
    from twin_ops.simulator.run import SimulationRequest, simulate

    request = SimulationRequest(Path(args.project), args.device, args.count, args.feedback_wait)
    with _reported(1, (SimulatorError,)):
        sent = simulate(request)
    print(f"# {sent} messages sent", file=sys.stderr)
    return 0


def _region(args: argparse.Namespace) -> str:
    return args.region or os.environ.get("AWS_REGION") or CLOUDS[Provider.AWS].default_region  # as `cdk synth` does


def _run_status(args: argparse.Namespace) -> int:
    from twin_ops.cloud_clients import real_clouds
    from twin_ops.dead_letters import dead_letters
    from twin_ops.status.run import run_status

    config, topology = _load(args)
    clouds = real_clouds(_region(args), args.gcp_project)
    return run_status(config, topology, dead_letters(config, topology), clouds, Path(args.tf_out))


def _run_redrive(args: argparse.Namespace) -> int:
    from twin_ops.cloud_clients import real_clouds
    from twin_ops.dead_letters import dead_letters, select
    from twin_ops.redrive.journal import Journal
    from twin_ops.redrive.run import run_redrive

    config, topology = _load(args)
    destinations = select(dead_letters(config, topology), Layer(args.layer) if args.layer else None)
    journal_path = Path(args.journal) if args.journal else REDRIVE_DIR / f"{config.name}.jsonl"
    if journal_path.exists() and not journal_path.is_file() or any(p.exists() and not p.is_dir() for p in journal_path.parents):
        print(f"error: {journal_path} cannot be the journal: it must be a file (or not exist yet) in a folder", file=sys.stderr)
        return 2
    journal = Journal(journal_path)
    clouds = real_clouds(_region(args), args.gcp_project)
    try:
        return run_redrive(config.name, destinations, clouds, journal, dry_run=args.dry_run)
    except KeyboardInterrupt as stop:
        print(f"interrupted: run the same command again to finish (journal {journal.path})", file=sys.stderr)
        return processes.exit_code(stop)


def _run_migrate(args: argparse.Namespace) -> int:
    from twin_ops.migrate.run import migrate

    return migrate(Path(args.old_dir), Path(args.new_dir))


def _run_local(args: argparse.Namespace) -> int:
    from twin_ops.local.runner import LocalRunRequest, LocalRunStopped, expected_errors, render, run_local

    request = LocalRunRequest(
        Path(args.project), devices=args.devices, messages=args.messages, outage=args.outage,
        workdir=Path(args.workdir).resolve() if args.workdir else None, timeout=args.timeout,
        echo=lambda line: print(line, file=sys.stderr), live=sys.stdout.isatty(),
    )
    try:
        with _reported(2, expected_errors()):
            result = run_local(request)
    except LocalRunStopped as stopped:
        print(f"local run {stopped}: every process it started has ended", file=sys.stderr)
        return 128 + stopped.signum
    print(render(result, f"{args.project}: the synthesized twin, run locally"))
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
