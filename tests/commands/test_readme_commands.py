"""Every command the README shows runs as written in a fresh copy, or is listed here as needing a cloud.

A new shell block line that this table does not know fails the test, so no command is silently
skipped; a make target or repository file that a command names must exist even when the command
itself needs a cloud.

Each entry point runs for real once (`Run`): `make synth` with every variable, the CDK CLI (which
runs `python3 app.py`, so app.py's own switch to `.venv/bin/python` too), `make local`, `make
deploy`, `python -m twin_ops` and `python -m cdk_app`. The other synth commands (`Synth`) differ
from the `make synth` run only in their project, paths and context: their command line as make
expands it (`make -n`) must be `.venv/bin/python app.py` with the environment that run had, and
that environment's context is then synthesized in-process (cdk_app.main.run) from the shared
synth cache, whose report must name the files it wrote. A synth costs a minute of CPU; a second
process would only start the same interpreter and jsii again. The pipeline's `make synth` is one
of them: the pipeline's own Synth step runs that command line with `pipeline=true` for real
(tests/commands/test_pipeline_synth_step.py).

The CDK CLI's run is shared (`Run(shared=...)`, tests.commands.conftest.run_once): tests/test_app.py
asserts on the same process's output and files (the all-AWS example, as the CDK CLI runs app.py).
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.commands.conftest import CDK_CLI_PROJECT, REPO, Ran, run_once, run_shell
from tests.conftest import synthesize_project
from tests.synth_cache import tree_digest

pytestmark = pytest.mark.commands

README = REPO / "README.md"
# Placeholders the README uses for the reader's own paths, and what the test puts in their place.
PROJECT_STAND_IN = "examples/factory-floor-aws-azure"
MY_TWIN_STAND_IN = "examples/factory-floor-gcp"
OLD_PROJECT_STAND_IN = "tests/compat/fixtures/predecessor_a"  # a project of the predecessor's older generation


@dataclass(frozen=True)
class Run:
    """Runs without credentials; `outside` runs it from a directory outside the repository.

    `shared` names the project standing in for path/to/project when another test file asserts on
    the same run: it then runs once per test run in a copy of its own (run_once).
    """

    outside: bool = False
    shared: str | None = None


@dataclass(frozen=True)
class Synth:
    """A synth through the entry point of `make synth` (run for real by MAKE_SYNTH), checked in-process.

    `in_place`: synthesized where the project is in the repository, not from a copy (the pipeline
    names the project by that path and refuses one elsewhere).
    """

    outside: bool = False
    in_place: bool = False


@dataclass(frozen=True)
class NeedsCloud:
    why: str


@dataclass(frozen=True)
class NotHere:
    why: str


DEPLOYS = NeedsCloud("deploys, diffs or destroys real stacks: AWS, Azure or Google credentials")
# The `make synth` that runs for real: every variable of the target set, relative output paths.
MAKE_SYNTH = "make synth PROJECT=path/to/project OUT=build/cdk.out TF_OUT=build/cdktf.out CONTEXT='\"region\": \"eu-west-1\"'"
# What make runs for MAKE_SYNTH (and for every Synth command): app.py in the repository's interpreter.
APP_PY = [".venv/bin/python", "app.py"]
COMMANDS = {
    "make synth": Synth(),
    "make test": NotHere("the test suite itself"),
    "make synth PROJECT=examples/factory-floor-azure": Synth(),
    "make synth PROJECT=examples/factory-floor-aws-azure": Synth(),
    "make synth PROJECT=examples/factory-floor-gcp": Synth(),
    "make synth PROJECT=path/to/project": Synth(),
    MAKE_SYNTH: Run(),
    "CDK_CONTEXT_JSON='{\"project\": \"path/to/project\", \"tf_outdir\": \"build/cdktf.out\"}' "
    "CDK_OUTDIR=build/cdk.out .venv/bin/python app.py": Synth(),
    # The all-AWS example: tests/test_app.py checks this run's stacks, summary table and diagram.
    "node_modules/.bin/cdk synth -c project=path/to/project": Run(shared=CDK_CLI_PROJECT),
    "make -C path/to/repo synth PROJECT=$PWD/my-twin OUT=$PWD/cdk.out TF_OUT=$PWD/cdktf.out": Synth(outside=True),
    "make deploy PROJECT=path/to/project DRY_RUN=1": Run(),
    "make deploy PROJECT=path/to/project": DEPLOYS,
    "make diff PROJECT=path/to/project": DEPLOYS,
    "make destroy PROJECT=path/to/project": DEPLOYS,
    ".venv/bin/python -m twin_ops deploy --project path/to/project --dry-run": Run(),
    ".venv/bin/python -m twin_ops --help": Run(),
    ".venv/bin/python -m cdk_app --help": Run(),
    ".venv/bin/python -m twin_ops migrate path/to/old-project path/to/new-project": Run(),
    "make synth PROJECT=path/to/project CONTEXT='\"pipeline\": \"true\", \"repository\": \"owner/repo\", "
    "\"connection_arn\": \"arn:aws:codeconnections:eu-central-1:111111111111:connection/example\"'": Synth(in_place=True),
    "node_modules/.bin/cdk deploy <twin>-pipeline -c project=path/to/project -c pipeline=true -c repository=owner/repo "
    "-c connection_arn=arn:aws:codeconnections:…": NeedsCloud(
        "deploys the pipeline stack: AWS credentials and a CodeConnections connection"
    ),
    ".venv/bin/python -m twin_ops simulate --project path/to/project --count 10": NeedsCloud(
        "publishes to the deployed twin's IoT Core / IoT Hub / Pub/Sub"
    ),
    # Without credentials both exit 3 (tests/ops/test_cli.py runs them so, and with moto).
    ".venv/bin/python -m twin_ops status --project path/to/project": NeedsCloud(
        "reads the deployed twin's stacks, Terraform state, dead-letter queues and hot storage"
    ),
    ".venv/bin/python -m twin_ops redrive --project path/to/project --dry-run": NeedsCloud(
        "counts the deployed twin's dead letters"
    ),
    ".venv/bin/python -m twin_ops redrive --project path/to/project --layer l2": NeedsCloud(
        "moves the deployed twin's dead letters back"
    ),
    # Runs the synthesized twin on local services (the MQTT broker, moto, Azurite) and exits 0 only when
    # every record is accounted for.
    "make local": Run(),
}


def shell_blocks(markdown: str) -> list[tuple[str, str]]:
    """(language, body) of every fenced block."""
    return re.findall(r"^```(\w*)\n(.*?)^```", markdown, flags=re.S | re.M)


def commands_of(body: str) -> list[str]:
    """Command lines of a shell block: continuations joined, comments and blank lines dropped."""
    commands = []
    for line in body.replace("\\\n", " ").splitlines():
        tokens = shlex.shlex(line, posix=True, punctuation_chars=False)
        tokens.whitespace_split = True
        tokens.commenters = "#"
        if not list(tokens):
            continue
        commands.append(_strip_comment(line).strip())
    return commands


def _strip_comment(line: str) -> str:
    """The line up to a `#` that starts a comment (outside quotes, after whitespace)."""
    quote = None
    for index, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1].isspace()):
            return line[:index]
    return line


def readme_commands() -> list[str]:
    return [command for language, body in shell_blocks(README.read_text()) if language == "sh" for command in commands_of(body)]


def subcommands() -> list[str]:
    from twin_ops.cli import _parser

    return sorted(next(a for a in _parser()._actions if a.__class__.__name__ == "_SubParsersAction").choices)


def make_targets() -> set[str]:
    makefile = (REPO / "Makefile").read_text()
    targets = set()
    for line in makefile.splitlines():
        match = re.match(r"^([A-Za-z][\w .-]*?):(?!=)", line)
        if match:
            targets.update(match.group(1).split())
    return targets


def test_every_readme_block_is_labelled():
    unlabelled = [body.splitlines()[0] if body else "" for language, body in shell_blocks(README.read_text()) if not language]
    assert unlabelled == [], "label each fenced block (sh for commands, text for output)"


def test_every_readme_command_is_known_to_this_test():
    unknown = [command for command in readme_commands() if command not in COMMANDS]
    assert unknown == [], "add each new README command to COMMANDS: Run(), Synth() or NeedsCloud(reason)"
    stale = [command for command in COMMANDS if command not in readme_commands()]
    assert stale == [], "the README no longer shows these commands"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_named_targets_and_files_exist(command):
    tokens = shlex.split(command.replace("$PWD/", ""))
    if tokens[:1] == ["make"]:
        target = next(t for t in tokens[1:] if "=" not in t and not t.startswith("-") and t != "path/to/repo")
        assert target in make_targets(), f"make target {target!r}"
    for token in tokens:
        for path in re.findall(r"(?:\.venv|node_modules|examples|docs|bench)/[\w./-]+|\b[\w-]+\.py\b", token):
            assert (REPO / path).exists(), f"{command}: {path} does not exist"


@pytest.fixture(scope="module")
def outside(tmp_path_factory, fresh_clone) -> Path:
    """A working directory outside the repository holding the reader's own project `my-twin`."""
    directory = tmp_path_factory.mktemp("elsewhere")
    shutil.copytree(fresh_clone / MY_TWIN_STAND_IN, directory / "my-twin")
    return directory


def runnable(command: str, fresh_clone: Path) -> str:
    kind = COMMANDS.get(command)
    project = kind.shared if isinstance(kind, Run) and kind.shared else PROJECT_STAND_IN
    return (command.replace("path/to/project", project).replace("path/to/repo", str(fresh_clone))
            .replace("path/to/old-project", OLD_PROJECT_STAND_IN).replace("path/to/new-project", "build/migrated"))


def assert_synth_outputs_exist(report: str, cwd: Path) -> None:
    """Every stack row of the synth summary names a file that was written."""
    rows = re.findall(r"^\S+\s+(?:AWS|Azure|Google Cloud)\s+\d+\s+(\S+)", report, flags=re.M)
    assert rows, report[-3000:]
    for output in rows:
        assert (cwd / output).is_file(), output


@pytest.fixture(scope="module")
def ran_before() -> dict[tuple[str, Path], Ran]:
    """Commands that read the same once their placeholders are filled in run once: `make synth
    PROJECT=path/to/project` is the README's `make synth PROJECT=examples/factory-floor-aws-azure`."""
    return {}


@pytest.mark.parametrize("command", [c for c, kind in COMMANDS.items() if isinstance(kind, Run)])
def test_readme_command_runs_as_written(command, fresh_clone, outside, ran_before):
    kind = COMMANDS[command]
    cwd = outside if kind.outside else fresh_clone
    key = (runnable(command, fresh_clone), cwd)
    if key not in ran_before:
        ran_before[key] = run_once(key[0], kind.shared) if kind.shared else run_shell(key[0], cwd)
    ran = ran_before[key]
    cwd = getattr(ran, "cwd", cwd)  # a shared run ran in a copy of its own
    assert ran.returncode == 0, ran.output[-4000:]
    assert "Traceback" not in ran.output
    if "synth" in command or "app.py" in command:
        assert_synth_outputs_exist(ran.stderr, cwd)
    if "feature flags" in ran.output:
        pytest.fail("the CDK CLI reports unconfigured feature flags:\n" + ran.output[-2000:])
    if " migrate " in command:
        assert ran.stdout.startswith("Migrated ") and (cwd / "build/migrated/config.json").is_file(), ran.output
    if "--dry-run" in command or "DRY_RUN=1" in command:
        assert re.search(r"^# deploy \S+: \d+ steps", ran.stdout, flags=re.M), ran.output
    if command.startswith("make local"):
        assert ran.stdout.rstrip().endswith("every record accounted for"), ran.output[-4000:]


@pytest.mark.parametrize("subcommand", subcommands())
def test_every_subcommand_has_a_working_help(subcommand, fresh_clone):
    ran = run_shell(f".venv/bin/python -m twin_ops {subcommand} --help", fresh_clone, timeout=120)
    assert ran.returncode == 0 and ran.stdout.startswith("usage:"), ran.output


def expanded(command: str, cwd: Path) -> tuple[dict[str, str], list[str], Path]:
    """The environment and arguments of the one command line `command` runs, and where it runs:
    as make expands it (`make -n`: nothing runs), or the line itself."""
    tokens = shlex.split(command)
    if tokens[0] != "make":
        line, where = command, cwd
    else:
        ran = run_shell("make -n " + command.removeprefix("make "), cwd, timeout=60)
        assert ran.returncode == 0, ran.output
        lines = [line for line in ran.stdout.replace("\\\n", " ").splitlines() if line.strip() and not line.startswith("make")]
        assert len(lines) == 1, ran.stdout  # the synth alone: the installs are up to date
        (line,) = lines
        where = cwd / tokens[tokens.index("-C") + 1] if "-C" in tokens else cwd
    words = shlex.split(line)
    environment = {}
    while words and re.match(r"^[A-Z_]+=", words[0]):
        name, value = words.pop(0).split("=", 1)
        environment[name] = value
    return environment, words, where


@pytest.mark.parametrize("command", [c for c, kind in COMMANDS.items() if isinstance(kind, Synth)])
def test_readme_synth_runs_what_make_synth_runs(command, fresh_clone, outside):
    """The command line is app.py's, which MAKE_SYNTH runs for real; its settings synthesize."""
    assert isinstance(COMMANDS[MAKE_SYNTH], Run)
    cwd = outside if COMMANDS[command].outside else fresh_clone
    environment, arguments, where = expanded(runnable(command, fresh_clone).replace("$PWD", str(cwd)), cwd)
    assert arguments == APP_PY, arguments
    assert set(environment) == {"CDK_OUTDIR", "CDK_CONTEXT_JSON"}, environment
    context = json.loads(environment["CDK_CONTEXT_JSON"])
    # The outputs go where the command says (make's defaults otherwise).
    named = dict(re.findall(r"\b(OUT|TF_OUT)=(\S+)", runnable(command, fresh_clone).replace("$PWD", str(cwd))))
    if command.startswith("make"):
        assert (environment["CDK_OUTDIR"], context["tf_outdir"]) == (named.get("OUT", "cdk.out"), named.get("TF_OUT", "cdktf.out"))
    project = where / context.pop("project")
    assert project.is_dir() and project.resolve().is_relative_to(cwd.resolve()), project
    context.pop("tf_outdir")
    if COMMANDS[command].in_place:  # the repository's own copy of the project, synthesized where it is
        in_repository = REPO / project.relative_to(cwd)
        assert tree_digest(in_repository) == tree_digest(project), in_repository
        project = in_repository
    synth = synthesize_project(project, in_place=COMMANDS[command].in_place, **context)
    assert "Traceback" not in synth.report
    assert_synth_outputs_exist(synth.report, where)
