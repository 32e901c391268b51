"""A fresh copy of the repository for running commands exactly as a user types them.

The copy holds the files git tracks (plus untracked, unignored ones, so a change under test is
included) with their modification times, and links the installed `.venv`, `.venv-checkov` and
`node_modules`: make sees everything up to date and installs nothing, while every command runs
against the copy's own sources (Python puts the script's or working directory before the editable
install). Commands get the system PATH only and no cloud credentials.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
INSTALLED = (".venv", ".venv-checkov", "node_modules")
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


@pytest.fixture(scope="session")
def fresh_clone(tmp_path_factory) -> Path:
    installed = REPO / ".venv" / ".installed"
    if not installed.is_file() or installed.stat().st_mtime < (REPO / "setup.py").stat().st_mtime:
        # make in the copy would reinstall into the shared .venv, pointing it at the copy.
        pytest.fail("setup.py is newer than the installed .venv: run `make install` first")
    return copy_repository(tmp_path_factory.mktemp("clone") / "repo")
