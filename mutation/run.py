"""`make mutate`: mutation testing (cosmic-ray, pinned in the Makefile, its own virtualenv) of the
security and data-integrity cores, each against the fast tests that guard it.

Every mutant cosmic-ray makes of a core (a changed operator, constant, comparison, a removed
call, ...) must make one of the core's tests fail: a mutant that survives is either a missing
test or a change that cannot alter behaviour (an equivalent mutant). The equivalent ones are
listed, with the reason, in mutation/equivalent.json (by module, line and the mutated text);
any other survivor fails the run. The score goes to mutation/results.md (README, Mutation testing).

cosmic-ray mutates the file in place, one mutant at a time, and restores it: run nothing else in
this checkout meanwhile. Stop with Ctrl-C; the file is restored, and `mutation/run.py --resume`
carries on where the run stopped.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import sqlite3
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# pytest without its plugins and conftest files: the guarding tests need neither, and the start-up
# drops from about 2.5 s to 0.8 s of CPU per mutant.
PYTEST = (f"env PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 {shlex.quote(str(REPO / '.venv' / 'bin' / 'python'))} "
          "-m pytest -x -q -p no:cacheprovider --noconftest")
COSMIC_RAY = REPO / ".venv-mutate" / "bin" / "cosmic-ray"
# cosmic-ray's sessions: `--resume` carries on from them (a target whose session is deleted, or
# whose command changed, starts again); without it every target starts afresh.
SESSIONS = REPO / ".mutation-sessions"
FILTER = REPO / ".venv-mutate" / "bin" / "cr-filter-operators"
# cosmic-ray turns each binary operator into each of 11 others (`a / b` into `a - b`, `a ** b`,
# ...): one replacement per operator finds the same missing tests at a twelfth of the runs.
KEPT_BINARY = ("Add_Sub", "Sub_Add", "Mul_Add", "Div_Mul", "FloorDiv_Div", "Mod_Add", "Pow_Mul", "LShift_RShift",
               "RShift_LShift", "BitAnd_BitOr", "BitOr_BitAnd", "BitXor_BitOr")
EXCLUDED_OPERATORS = [f"core/ReplaceBinaryOperator_(?!(?:{'|'.join(KEPT_BINARY)})$)"]


@dataclass(frozen=True)
class Target:
    module: str  # the file mutated
    what: str
    tests: str  # pytest arguments: the fast tests that guard it


TARGETS = (
    Target("runtime/core/receiver.py", "the receiver's token check, limits and statuses",
           "tests/runtime/test_core_receiver.py tests/runtime/test_core_wire.py tests/runtime/test_core_poison_bodies.py"),
    # cosmic-ray makes no mutant of this one (no operator changes string literals): its mutants are
    # written by hand in the test module (HAND_MUTANTS), which this run also runs.
    Target("constructs_lib/terraform_text.py", "Terraform text escaping (mutants by hand: no string operator)",
           "tests/hostile/test_terraform_injection.py -k 'literal or template_reader or hand_mutant'"),
    Target("runtime/core/record_identity.py", "record identity and storage keys", "tests/runtime/test_core_record_identity.py"),
    Target("twin_model/config/files.py", "the project path resolver",
           "tests/config/test_project_files.py tests/hostile/test_symlinks.py"),
    Target("runtime/core/sender.py", "the sender's batching and failure path", "tests/runtime/test_core_wire.py"),
    Target("runtime/core/retry.py", "the sender's retry policy (what is retried, backoff, Retry-After, deadline)",
           "tests/runtime/test_core_retry.py"),
)


def config(target: Target) -> str:
    command = f"{PYTEST} {target.tests}"
    return "\n".join([
        "[cosmic-ray]",
        f"module-path = {json.dumps(target.module)}",
        "timeout = 120.0",
        "excluded-modules = []",
        f"test-command = {json.dumps(command)}",
        "",
        "[cosmic-ray.distributor]",
        'name = "local"',
        "",
        "[cosmic-ray.filters.operators-filter]",
        f"exclude-operators = {json.dumps(EXCLUDED_OPERATORS)}",
        "",
    ])


def survivors(session: Path) -> tuple[int, list[dict]]:
    """(mutants run, the survivors with their line and mutated text) from cosmic-ray's session.
    A mutant that breaks the import or times out counts as killed; filtered ones are not run."""
    with sqlite3.connect(session) as db:
        rows = db.execute(
            "SELECT m.module_path, m.operator_name, m.start_pos_row, r.worker_outcome, r.test_outcome, r.diff "
            "FROM mutation_specs m JOIN work_results r ON m.job_id = r.job_id"
        ).fetchall()
    ran = [row for row in rows if row[3].lower() != "skipped"]
    found = [
        {"module": module, "operator": operator, "line": line,
         "diff": "\n".join(text for text in (diff or "").splitlines() if text[:1] in "+-" and text[:3] not in ("+++", "---"))}
        for module, operator, line, worker, outcome, diff in ran
        if worker.lower() == "normal" and (outcome or "").lower() == "survived"
    ]
    return len(ran), found


ANNOTATED = re.compile(r"^\s*(async\s+)?def\s|^\s*[\w.]+\s*:\s*[^=]+(=|$)")


def annotation_only(mutant: dict) -> str | None:
    """A `|` turned into `&` on a signature or an annotated name changes a type annotation, which
    `from __future__ import annotations` (every core module) never evaluates: equivalent."""
    removed = [line[1:] for line in mutant["diff"].splitlines() if line.startswith("-")]
    if mutant["operator"] == "core/ReplaceBinaryOperator_BitOr_BitAnd" and removed and ANNOTATED.match(removed[0]):
        return "equivalent: the `|` of a type annotation, never evaluated (`from __future__ import annotations`)"
    return None


def main() -> int:
    if not COSMIC_RAY.exists():
        print("cosmic-ray is not installed: run `make mutate` (it installs .venv-mutate)", file=sys.stderr)
        return 2
    equivalent = json.loads((REPO / "mutation" / "equivalent.json").read_text())
    rows, unexplained, total_run, total_killed = [], [], 0, 0
    started = time.monotonic()
    if "--resume" not in sys.argv:
        shutil.rmtree(SESSIONS, ignore_errors=True)
    SESSIONS.mkdir(exist_ok=True)
    for target in TARGETS:
        cfg, session = SESSIONS / f"{Path(target.module).stem}.toml", SESSIONS / f"{Path(target.module).stem}.sqlite"
        began = time.monotonic()
        environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        commands = [[str(COSMIC_RAY), "exec", str(cfg), str(session)]]
        if not session.exists() or not cfg.exists() or cfg.read_text() != config(target):  # new, else resumed
            session.unlink(missing_ok=True)
            cfg.write_text(config(target))
            commands[:0] = [[str(COSMIC_RAY), "init", str(cfg), str(session)], [str(FILTER), str(session), str(cfg)]]
        for command in commands:
            subprocess.run(command, cwd=REPO, check=True, env=environment)
        run, survived = survivors(session)
        explained = equivalent.get(target.module, [])
        for mutant in survived:
            reason = annotation_only(mutant) or next(
                (e["why"] for e in explained if e["diff"] == mutant["diff"]), None)
            mutant["why"] = reason
            if reason is None:
                unexplained.append(mutant)
        killed = run - len(survived)
        total_run, total_killed = total_run + run, total_killed + killed
        rows.append((target, run, killed, survived, time.monotonic() - began))
        print(f"{target.module}: {killed}/{run} killed, {len(survived)} survived", flush=True)
    elapsed = time.monotonic() - started
    lines = [
        "# Mutation testing (`make mutate`)",
        "",
        f"cosmic-ray over the security and data-integrity cores; {elapsed / 60:.1f} minutes on {os.cpu_count()} cores "
        f"(load average {os.getloadavg()[0]:.1f} at the end).",
        "",
        "| module | what | mutants | killed | survived (equivalent) | score |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for target, run, killed, survived, _ in rows:
        score_cell = f"{100 * killed / run:.1f}%" if run else "n/a"
        lines.append(f"| `{target.module}` | {target.what} | {run} | {killed} | {len(survived)} | {score_cell} |")
    score = 100 * total_killed / total_run if total_run else 100.0
    lines += ["", f"Score: **{score:.1f}%** ({total_killed} of {total_run} mutants killed; every survivor is an "
              "equivalent mutant explained in mutation/equivalent.json)." if not unexplained else
              f"Score: **{score:.1f}%**; {len(unexplained)} survivors are not explained.", ""]
    for target, _, _, survived, _ in rows:
        for mutant in survived:
            lines.append(f"- `{target.module}:{mutant['line']}` {mutant['operator']}: `{mutant['diff'].splitlines()[-1][1:].strip()}`"
                         f" — {mutant['why'] or 'NOT EXPLAINED'}")
    (REPO / "mutation" / "results.md").write_text("\n".join(lines).rstrip() + "\n")
    print("\n".join(lines))
    if unexplained:
        print(json.dumps(unexplained, indent=1), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
