"""Issue #11: every bad project of the corpus gets one report through the entry point, nothing else.

For each case (tests/hostile/corpus.py): exit code 1, a report whose every line names a file and
a JSON path, the expected first problem line, no traceback, no output folder left, and nothing
written anywhere else (the case's folder, project and outside files included, is unchanged).
Most cases run in-process through `cdk_app.main.main()` (the project is refused before any App
exists, in milliseconds); a representative handful runs as a real `python app.py`, and the cases
only found while building the stacks synthesize first: both are marked `slow`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cdk_app.main import main
from tests.hostile.corpus import CASES, REPO, Case, build_case

FAST = list(CASES)
SUBPROCESS = [
    "link-action-folder-to-etc",
    "null-config_iot_devices",
    "nested-5000-devices",
    "id-of-65-mb",
    "unknown-key-Mode",
    "logic-app-definition-is-text",
    "condition-double-nan",
]
PROBLEM_LINE = re.compile(r"^  - (?P<file>\S+) (?P<path>\$.*?|line \d+): \S")


def test_the_corpus_covers_every_class_with_at_least_100_cases():
    assert len(CASES) >= 100
    assert {case.klass for case in CASES} == set(range(1, 7))
    assert len({case.id for case in CASES}) == len(CASES)
    assert set(SUBPROCESS) <= {case.id for case in FAST}


def tree_state(folder: Path) -> dict[str, tuple]:
    """Every path under folder (links not followed) with its kind, size and modification time."""
    state = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        state[str(path.relative_to(folder))] = (info.st_mode, info.st_size, info.st_mtime_ns)
    return state


def check_report(case: Case, project: Path, code: int, stderr: str) -> None:
    assert code == 1, f"{case.id}: exit {code}\n{stderr[-2000:]}"
    assert "Traceback" not in stderr, stderr[-3000:]
    lines = stderr.rstrip("\n").splitlines()
    problems = lines[1:]
    noun = "problem" if len(problems) == 1 else "problems"
    assert lines[0] == f"Project {project} has {len(problems)} {noun}:", stderr[:2000]
    for line in problems:
        assert PROBLEM_LINE.match(line), f"{case.id}: a line without file and JSON path: {line[:300]!r}"
    assert problems[0].startswith(f"  - {case.first}"), f"{case.id}: first problem {problems[0][:300]!r}"
    assert case.fragment in problems[0], f"{case.id}: {case.fragment!r} not in {problems[0][:300]!r}"


@pytest.mark.parametrize("case", FAST, ids=[case.id for case in FAST])
def test_bad_project_gets_one_report_and_writes_nothing(case, tmp_path, monkeypatch, capsys):
    project, _ = build_case(case, tmp_path / "case")
    before = tree_state(tmp_path)
    monkeypatch.setenv("CDK_OUTDIR", str(tmp_path / "out"))
    monkeypatch.setenv("CDK_CONTEXT_JSON", json.dumps({"project": str(project), "tf_outdir": str(tmp_path / "tf")}))
    # Refused before any App exists: building one would already be the start of a synth.
    monkeypatch.setattr("cdk_app.main.cdk.App", lambda *args, **kwargs: pytest.fail(f"{case.id}: an App was built"))
    capsys.readouterr()
    code = main()
    check_report(case, project, code, capsys.readouterr().err)
    assert tree_state(tmp_path) == before  # no out/, no tf/, nothing changed or added anywhere


@pytest.fixture(scope="module", autouse=True)
def nothing_written_to_the_repository():
    """The entry point writes only where it is told: no cdk.out/cdktf.out appears in the working tree."""
    before = set(os.listdir(REPO))
    yield
    assert set(os.listdir(REPO)) - before == set()


@pytest.mark.slow
@pytest.mark.parametrize("case_id", SUBPROCESS)
def test_bad_project_through_app_py(case_id, tmp_path):
    case = next(c for c in CASES if c.id == case_id)
    project, _ = build_case(case, tmp_path / "case")
    before = tree_state(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_"))}
    env.update(
        JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
        CDK_OUTDIR=str(tmp_path / "out"),
        CDK_CONTEXT_JSON=json.dumps({"project": str(project), "tf_outdir": str(tmp_path / "tf")}),
    )
    done = subprocess.run([sys.executable, "app.py"], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    check_report(case, project, done.returncode, done.stderr)
    assert tree_state(tmp_path) == before


