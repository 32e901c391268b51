"""Predecessor projects (tests/compat/fixtures, written here in each generation's format) synthesized
through the real entry point once per session, and the scenario projects built from the newer
generation the way the predecessor's end-to-end tests built theirs."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest

from tests import synth_cache

FIXTURES = Path(__file__).resolve().parent / "fixtures"
GENERATIONS = ("predecessor_a", "predecessor_h", "multicloud")

# The predecessor's twelve end-to-end scenarios: name → (l1, l2, hot, cold, archive, l4, l5).
SCENARIOS = {
    "aws": ("aws", "aws", "aws", "aws", "aws", "aws", "aws"),
    "azure": ("azure", "azure", "azure", "azure", "azure", "azure", "azure"),
    "gcp": ("google", "google", "google", "google", "google", "none", "none"),
    "aws-azure": ("aws", "azure", "google", "aws", "azure", "azure", "aws"),
    "aws-gcp": ("aws", "google", "azure", "aws", "google", "aws", "azure"),
    "azure-aws": ("azure", "aws", "google", "azure", "aws", "aws", "azure"),
    "azure-aws-adt": ("azure", "aws", "google", "azure", "aws", "azure", "azure"),
    "azure-gcp": ("azure", "google", "aws", "azure", "google", "azure", "aws"),
    "cross-l4": ("azure", "aws", "google", "azure", "aws", "azure", "azure"),
    "gcp-aws": ("google", "aws", "azure", "google", "aws", "aws", "azure"),
    "gcp-azure": ("google", "azure", "aws", "google", "azure", "azure", "aws"),
    "shared-l2-l3": ("google", "aws", "google", "aws", "azure", "aws", "aws"),
}
PROVIDER_KEYS = ("layer_1_provider", "layer_2_provider", "layer_3_hot_provider", "layer_3_cold_provider",
                 "layer_3_archive_provider", "layer_4_provider", "layer_5_provider")


def scenario_project(name: str, base_dir: Path) -> Path:
    """As its tests did: copy the template, set the twin name `sc-<name>`, write the providers."""
    project = base_dir / f"sc-{name}"
    shutil.copytree(FIXTURES / "predecessor_h", project)
    config = json.loads((project / "config.json").read_text())
    config["digital_twin_name"] = f"sc-{name}"
    (project / "config.json").write_text(json.dumps(config, indent=2))
    (project / "config_providers.json").write_text(json.dumps(dict(zip(PROVIDER_KEYS, SCENARIOS[name], strict=True)), indent=2))
    return project


@dataclass(frozen=True)
class EntryPointRun:
    """One run of `python app.py` (cdk_app.main.run, in-process): exit code, stderr, outputs, and
    the cdk-nag findings of the AWS stacks it built (stack name → findings not acknowledged)."""

    code: int
    stderr: str
    outdir: Path
    tf_outdir: Path
    nag: dict[str, list[str]]

    def template(self, stack: str) -> dict:
        return json.loads((self.outdir / f"{stack}.template.json").read_text())

    def terraform(self, stack: str) -> dict:
        return json.loads((self.tf_outdir / "stacks" / stack / "cdk.tf.json").read_text())

    def stack_file(self, stack: str, relative: str) -> Path:
        return self.tf_outdir / "stacks" / stack / relative

    @property
    def bundles(self) -> Path:
        return self.outdir / ".bundles"


def run_entry_point(project: Path, name: str) -> EntryPointRun:
    """`project` through the entry point, from the shared synth cache (tests/conftest.py)."""

    def produce(folder: Path) -> None:
        from cdk_app import main
        from tests.conftest import nag_report

        copy = shutil.copytree(project, folder / name, symlinks=True)
        stderr = io.StringIO()
        built: list = []
        synthesize = main.synthesize

        def keep(*args, **kwargs):
            built.append(synthesize(*args, **kwargs))
            return built[-1]

        with contextlib.redirect_stderr(stderr), mock.patch.object(main, "synthesize", keep):
            code = main.run({"project": str(copy), "tf_outdir": str(folder / "cdktf.out")}, str(folder / "cdk.out"))
        nag = nag_report(built[0].aws_stacks) if built else {}
        (folder / "run.json").write_text(json.dumps({"code": code, "stderr": stderr.getvalue(), "nag": nag}))

    folder = synth_cache.entry(synth_cache.key("entry-point", project, {}, name=name), produce)
    ran = json.loads((folder / "run.json").read_text())
    return EntryPointRun(ran["code"], ran["stderr"], folder / "cdk.out", folder / "cdktf.out", ran["nag"])


@pytest.fixture(scope="session")
def synthesized():
    """synthesized(name) → the fixture project `name` run through the entry point (once per run)."""
    return lambda name: run_entry_point(FIXTURES / name, name)
