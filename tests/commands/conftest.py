"""A fresh copy of the repository for running commands exactly as a user types them.

The copy holds the files git tracks (plus untracked, unignored ones, so a change under test is
included) with their modification times, and links the installed `.venv`, `.venv-checkov` and
`node_modules`: make sees everything up to date and installs nothing, while every command runs
against the copy's own sources (Python puts the script's or working directory before the editable
install). Commands get the system PATH only and no cloud credentials.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import synth_cache

REPO = Path(__file__).resolve().parents[2]
INSTALLED = (".venv", ".venv-checkov", "node_modules")
# The README's `cdk synth -c project=path/to/project` with the all-AWS example as the project: run
# once (run_once) for the README's test and tests/test_app.py, which checks what it synthesized.
CDK_CLI_PROJECT = "examples/factory-floor"
CDK_CLI_SYNTH = f"node_modules/.bin/cdk synth -c project={CDK_CLI_PROJECT}"
# Prefixes of variables that would hand a command cloud credentials or point it at an account.
CLOUD_VARIABLES = ("AWS_", "CDK_", "ARM_", "AZURE_", "GOOGLE_", "CLOUDSDK_", "GCLOUD_")


@dataclass(frozen=True)
class Ran:
    command: str
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def clean_environment() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(CLOUD_VARIABLES)}
    env["PATH"] = os.defpath if "PATH" not in os.environ else ":".join(
        part for part in os.environ["PATH"].split(":") if not part.startswith(str(REPO))
    )
    env.pop("VIRTUAL_ENV", None)
    env.pop("MAKEFLAGS", None)
    env.pop("MAKELEVEL", None)
    env["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20"
    return env


def run_shell(command: str, cwd: Path, timeout: float = 600) -> Ran:
    done = subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=clean_environment(), capture_output=True, text=True, timeout=timeout
    )
    return Ran(command, done.returncode, done.stdout, done.stderr)


def copy_repository(target: Path) -> Path:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout.split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if not source.is_file():
            continue  # deleted in the working tree
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination)  # keeps mtimes: make's install targets stay up to date
    for name in INSTALLED:
        if (REPO / name).exists():
            (target / name).symlink_to(REPO / name)
    return target


@dataclass(frozen=True)
class SharedRun(Ran):
    """A command run once per test run in a copy of the repository of its own (`cwd`), kept with its
    outputs in the shared synth cache for every test that asserts on it."""

    cwd: Path = REPO


def run_once(command: str, project: str) -> SharedRun:
    """`command` run as `run_shell` runs it, once per test run whichever worker or module asks first.

    For an entry point that several test files check (the README's command, and what its outputs
    hold): one real process, its exit code, output and files shared. `project` (relative to the
    repository) is the project the command reads: the entry is keyed by its files and the command.
    """

    def produce(folder: Path) -> None:
        ran = run_shell(command, copy_repository(folder / "repo"))
        synth_cache.write_json(folder / "run.json", {"returncode": ran.returncode, "stdout": ran.stdout, "stderr": ran.stderr})

    folder = synth_cache.entry(synth_cache.key("entry-point-run", REPO / project, {"command": command}), produce)
    ran = json.loads((folder / "run.json").read_text())
    return SharedRun(command, ran["returncode"], ran["stdout"], ran["stderr"], cwd=folder / "repo")


@pytest.fixture(scope="session")
def fresh_clone(tmp_path_factory) -> Path:
    installed = REPO / ".venv" / ".installed"
    if not installed.is_file() or installed.stat().st_mtime < (REPO / "setup.py").stat().st_mtime:
        # make in the copy would reinstall into the shared .venv, pointing it at the copy.
        pytest.fail("setup.py is newer than the installed .venv: run `make install` first")
    return copy_repository(tmp_path_factory.mktemp("clone") / "repo")
