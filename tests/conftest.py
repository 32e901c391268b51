"""Shared fixtures: example projects with other provider maps, and THE shared synth cache.

Synth is the slow part of this suite, so every test package gets its synths from one cache that
all pytest-xdist workers share on disk (tests/synth_cache.py): the same project files and context
are synthesized once per run, whichever worker or module asks first.

The API (use it for every new synth; do not add another cache):

    synthesize_project(project, **context) -> Synthesized      # `python app.py` in-process (cdk_app.main.run)
    synthesize_example(name) -> Synthesized                       # examples/<name> as it is
    synth_project(providers=None, **file_overrides) fixture       # the all-AWS example, changed
    example fixture                                               # the all-AWS example

`project` is any folder (a tmp_path copy is fine: the cache keeps its own copy, keyed by the files'
bytes); `context` adds App context entries (strings). A `Synthesized` is read from the files:
`template(stack)`, `terraform(stack)`, `assembly`, `outdir`, `tf_outdir`, `config`, `topology`,
`aws_layers` (the Layer or Part of each AWS stack), `report` (what the entry point printed: warnings
and the summary table), `nag_findings(stack)` (cdk-nag AwsSolutions findings not acknowledged in
code, computed once when the entry is made, nested stacks included).
Only `aws_stacks` (the construct objects, for construct attributes) costs a synth of its own in a
worker that did not make the entry: prefer the templates.

`nag=False` skips cdk-nag for a synth no test asks findings of (the first asker decides);
`in_place=True` synthesizes the project where it is instead of a copy (a pipeline synth requires
a project inside the repository).

The other kinds of synth use the same cache: `tests.gcp.synth.synth_terraform(project)` (Terraform
stacks only), `tests.pipeline.synth.synth_pipeline(example, **context)` (pipeline=true) and
`tests.compat.conftest.run_entry_point(project, name)` (cdk_app.main.run, with its exit code and
stderr) and `tests.commands.conftest.run_once(command, project)` (a real entry-point process, e.g.
the CDK CLI, in a copy of the repository: its exit code, output and files, for every test file
that checks that run). A new kind calls `tests.synth_cache.entry(key(kind, project, context), produce)`.
cfn-lint runs once per distinct template as well (`tests.aws.cfn_lint_errors`, cached by hash).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
import time
from functools import cached_property
from pathlib import Path
from unittest import mock

import pytest

from tests import bytecode_lock, synth_cache

if os.environ.get("PYTEST_XDIST_WORKER"):  # workers start together: one compiles, the others read
    bytecode_lock.install(synth_cache.root() / "bytecode-locks")

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
# One V8 background thread for every Node process of the run (the jsii kernel behind each synth,
# in this process and in every entry point a test starts; the CDK CLI; the servers): with V8's
# default pool of four, a cold synth of the all-AWS example cost about 8.7 CPU-s on this 2-core
# machine, with one about 6 (same templates, and less wall time too). A NODE_OPTIONS already set
# is left as it is.
os.environ.setdefault("NODE_OPTIONS", "--v8-pool-size=1")

pytest_plugins = ["tests.cpu_profile"]  # --cpu-table=FILE: CPU and wall seconds per test file

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "factory-floor"
ALL_AWS = {
    "layer_1_provider": "aws",
    "layer_2_provider": "aws",
    "layer_3_hot_provider": "aws",
    "layer_3_cold_provider": "aws",
    "layer_3_archive_provider": "aws",
    "layer_4_provider": "aws",
    "layer_5_provider": "aws",
}

# File overrides for variants whose L2 is not on AWS: the example's Step Functions action and
# feature flags are AWS-only, so those variants run without event checking.
WITHOUT_EVENTS = {"config_optimization": {"result": {"inputParamsUsed": {}}}, "config_events": []}


# Memory-backed, where the machine has it: a run writes tens of thousands of files into the synth
# cache, and removing them from a busy disk took about 40 s at the end of `make test`.
MEMORY_TMP = Path("/dev/shm")


def pytest_configure(config: pytest.Config) -> None:
    """The controller (or a run without workers) makes the run's synth cache; workers inherit it."""
    if os.environ.get("PYTEST_XDIST_WORKER") or os.environ.get(synth_cache.VARIABLE):
        return
    memory = MEMORY_TMP if MEMORY_TMP.is_dir() and os.access(MEMORY_TMP, os.W_OK) else None
    if memory:  # a run that was killed left its cache in memory: gone after a day (no run lasts one)
        for stale in memory.glob("twin-synths-*"):
            with contextlib.suppress(OSError):
                if time.time() - stale.stat().st_mtime > 86400:
                    shutil.rmtree(stale, ignore_errors=True)
    os.environ[synth_cache.VARIABLE] = tempfile.mkdtemp(prefix="twin-synths-", dir=memory)
    config._twin_synth_cache = os.environ[synth_cache.VARIABLE]  # type: ignore[attr-defined]


# The markers of slow tests (pytest.ini): the files holding them start first.
SLOW_MARKERS = ("runs", "commands", "slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The files with slow tests first, in the order of SLOW_MARKERS, each file's tests kept together.

    `make test`'s workers steal work (`--dist worksteal`): each starts on a contiguous share of
    this order and an idle one takes half of what another has left, from its end. Slow tests first
    keep the long ones off the end of the run, where one would run alone while the others idle.
    """
    rank: dict[str, int] = {}
    for item in items:
        marks = [index for index, name in enumerate(SLOW_MARKERS) if item.get_closest_marker(name)]
        rank[item.location[0]] = min([rank.get(item.location[0], len(SLOW_MARKERS)), *marks])
    items.sort(key=lambda item: rank[item.location[0]])  # stable: collection order within a rank


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = getattr(config, "_twin_synth_cache", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        os.environ.pop(synth_cache.VARIABLE, None)


def write_project(target: Path, providers: dict | None = None, base: Path = EXAMPLE, **overrides: object) -> Path:
    """Copy `base` to `target`, replacing config_providers.json and any file given as name=json."""
    shutil.copytree(base, target)
    if providers is not None:
        (target / "config_providers.json").write_text(json.dumps(providers))
    for name, content in overrides.items():
        (target / f"{name}.json").write_text(json.dumps(content))
    return target


def nag_report(stacks: dict) -> dict[str, list[str]]:
    """Stack name → AwsSolutions findings not acknowledged in code (nested stacks included), as `rule at path`."""
    from cdk_nag import AwsSolutionsChecks

    findings = {}
    for stack in stacks.values():
        report = AwsSolutionsChecks().validate_scope(stack)
        findings[stack.stack_name] = [
            f"{violation.rule_name} at {resource.construct_path}"
            for violation in report.violations
            for resource in violation.violating_resources
        ]
    return findings


def _app_synth(project: Path, folder: Path, context: dict) -> tuple[object, str]:
    """`python app.py` in-process (cdk_app.main.run) into folder/cdk.out and folder/cdktf.out (or
    context's tf_outdir): its SynthResult and the report it printed (the summary table)."""
    from cdk_app import main

    built: list = []
    synthesize = main.synthesize

    def keep(*args, **kwargs):
        built.append(synthesize(*args, **kwargs))
        return built[-1]

    report = io.StringIO()
    full_context = {"project": str(project), "tf_outdir": str(folder / "cdktf.out"), **context}
    with contextlib.redirect_stderr(report), mock.patch.object(main, "synthesize", keep):
        code = main.run(full_context, str(folder / "cdk.out"))
    if code != 0 or not built:
        raise AssertionError(f"the synth of {project} exited with {code}:\n{report.getvalue()[-4000:]}")
    return built[0], report.getvalue()


class Synthesized(synth_cache.Entry):
    """One synthesized run of the shared cache (see the module docstring): files first, objects on demand."""

    def __init__(self, folder: Path) -> None:
        meta = json.loads((folder / "meta.json").read_text())
        super().__init__(folder, Path(meta["project"]) if meta.get("project") else None)
        self.outdir = folder / "cdk.out"
        self.tf_outdir = Path(meta["tf_outdir"])
        self.context = meta["context"]
        self._nag = meta["nag"]
        self._aws_layers = meta["aws_layers"]
        self.report: str = meta["report"]  # what the entry point printed: warnings, the summary table

    @cached_property
    def assembly(self):  # aws_cdk.cx_api.CloudAssembly
        from aws_cdk import cx_api

        return cx_api.CloudAssembly(str(self.outdir))

    @property
    def aws_layers(self) -> set:
        """The Layer (or Part) of every AWS stack."""
        from twin_model.config.model import Layer
        from twin_model.topology import Part

        kinds = {"Layer": Layer, "Part": Part}
        return {kinds[kind][name] for kind, name in self._aws_layers}

    def template(self, stack_name: str) -> dict:
        return json.loads((self.outdir / f"{stack_name}.template.json").read_text())

    def terraform(self, stack_name: str) -> dict:
        return json.loads((self.tf_outdir / "stacks" / stack_name / "cdk.tf.json").read_text())

    def nag_findings(self, stack_name: str) -> list[str]:
        if self._nag is None:
            raise AssertionError("this synth was made with nag=False: ask synthesize_project(..., nag=True)")
        return self._nag[stack_name]

    @cached_property
    def aws_stacks(self) -> dict:
        """Layer (or Part) → AWS stack construct: this process's own if it made the entry, else a
        synth of the same project and context in this process (slow: prefer the files)."""
        made = synth_cache.live(self.folder)
        if made is None:
            scratch = Path(tempfile.mkdtemp(prefix="twin-resynth-"))
            context = {**self.context, "tf_outdir": str(scratch / "cdktf.out")}
            made = _app_synth(self.project, scratch, context)
        return made[0].aws_stacks


def synthesize_project(
    project: Path, workdir: Path | None = None, *, nag: bool = True, in_place: bool = False, **context: str
) -> Synthesized:
    """The App synth of `project` with `context`, from the shared cache (`workdir` is not used:
    the cache keeps the project and its output). `nag=False` skips cdk-nag (about a sixth of an
    AWS synth) for a synth whose tests never ask for findings; the first asker decides.
    `in_place=True` synthesizes the project where it is, not a copy (a pipeline synth checks
    that its project lies in the repository): its path is then part of the key."""

    def produce(folder: Path) -> object:
        source = project if in_place else shutil.copytree(project, folder / "project", symlinks=True)
        result, report = _app_synth(source, folder, context)
        stacks = result.aws_stacks
        synth_cache.write_json(folder / "meta.json", {
            "project": str(source) if in_place else None,
            "tf_outdir": str(folder / "cdktf.out"),
            "context": context,
            "report": report,
            "nag": nag_report(stacks) if nag else None,
            "aws_layers": [[type(k).__name__, k.name] for k in stacks],
        })
        return result, report

    where = {"path": str(project.resolve())} if in_place else {}
    return Synthesized(synth_cache.entry(synth_cache.key("app", project, context, **where), produce))


def synthesize_example(name: str, tmp_path_factory=None) -> Synthesized:
    """A bundled example as it is (examples/<name>), from the shared cache."""
    return synthesize_project(REPO / "examples" / name)


@pytest.fixture(scope="session")
def synth_project(tmp_path_factory):
    """synth_project(providers=None, **file_overrides) -> Synthesized: the all-AWS example with
    another provider map and/or files, from the shared cache."""

    made: dict[str, Synthesized] = {}

    def run(providers: dict | None = None, **overrides: object) -> Synthesized:
        asked = json.dumps([providers, overrides], sort_keys=True)
        if asked not in made:
            project = write_project(tmp_path_factory.mktemp("synth") / "project", providers, **overrides)
            made[asked] = synthesize_project(project)
        return made[asked]

    return run


@pytest.fixture(scope="session")
def example(synth_project) -> Synthesized:
    """The bundled all-AWS example, synthesized once per run."""
    return synth_project()


# -- no process left behind ---------------------------------------------------------------------

PR_SET_CHILD_SUBREAPER = 36
# jsii's kernel (the Node process behind aws-cdk-lib and CDK Terrain) lives as long as the
# interpreter that imported them: it is no server a test started.
JSII_KERNEL = ("/lib/program.js", "/bin/jsii-runtime.js")


def _become_subreaper() -> None:
    """Orphans of our children (a server whose launcher exited, e.g. `npx`) become our children
    instead of init's, so that the check below sees them too (Linux)."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def live_children() -> dict[int, str]:
    """pid → command line of this process's children that are still running (zombies aside)."""
    me, children = os.getpid(), {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == me and fields[0] != "Z" and not any(part in command for part in JSII_KERNEL):
            children[int(stat.parent.name)] = command
    return children


@pytest.fixture(scope="session", autouse=True)
def no_process_left_behind():
    """Fails the run when a test leaves a child process running (a server it did not stop); the
    leftovers are killed so that nothing outlives the run."""
    import signal

    _become_subreaper()
    before = set(live_children())
    yield
    if (asl := sys.modules.get("twin_model.config.asl")) is not None:
        asl.close_worker()  # the ASL validator's worker lives as long as its process, by design
    deadline = time.monotonic() + 5  # a server stopped just now may still be exiting
    while (left := {pid: cmd for pid, cmd in live_children().items() if pid not in before}) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
    assert not left, f"tests left these processes running (now killed): {left}"
