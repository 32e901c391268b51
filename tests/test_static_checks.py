"""ruff (ruff.toml) and mypy (mypy.ini) find nothing in the tree, so `make test` alone enforces them.

Both run as `make check` runs them, from the repository root (mypy reuses its cache: about a second
warm, a few seconds cold). The configuration is held to what the README promises, so a check cannot
be made green by switching it off.
"""

from __future__ import annotations

import configparser
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# What the README says mypy checks strictly (mypy.ini `files`), written out by hand.
STRICT_PATHS = {"twin_model", "runtime/core", "twin_contract"}  # mypy.ini `files`, as the README names them
RUFF_RULES = {"E", "F", "W", "B", "SIM"}  # ruff.toml `select`
RELAXING = {
    "ignore_errors", "disable_error_code", "allow_untyped_defs", "allow_incomplete_defs", "allow_untyped_calls",
    "allow_untyped_decorators", "allow_any_generics", "allow_subclassing_any", "allow_untyped_globals",
}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, timeout=300)


def test_ruff_finds_nothing():
    result = run("ruff", "check", "--no-fix", "--output-format", "concise", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_checks_the_tree_with_the_committed_rules():
    """A finding in a product module is reported: the tree is not excluded and the rules are on."""
    assert set(tomllib.loads((REPO / "ruff.toml").read_text())["lint"]["select"]) >= RUFF_RULES
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-fix", "--output-format", "concise",
         "--stdin-filename", "twin_model/config/example.py", "-"],
        cwd=REPO, input="import os\n\nl = zip([1], [2])\n", capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 1
    for code in ("F401", "E741", "B905"):
        assert f" {code} " in result.stdout, result.stdout


def test_mypy_finds_nothing():
    result = run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Success: no issues found in ")


def test_mypy_is_strict_on_the_paths_the_readme_names():
    config = configparser.ConfigParser()
    config.read(REPO / "mypy.ini")
    main = config["mypy"]
    assert {path.strip() for path in main["files"].split(",")} == STRICT_PATHS
    assert main.getboolean("strict") and main.getboolean("warn_unreachable")
    # No module is let off: a per-module section may add options, never silence or relax the checks.
    for section in config.sections():
        relaxed = [key for key in config[section] if key in RELAXING and config[section][key].strip().lower() not in ("false", "")]
        assert not relaxed, f"[{section}] relaxes {relaxed}"
        assert config[section].get("strict", "true").strip().lower() == "true", section
