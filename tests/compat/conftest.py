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
    nag: dict[str, list[str]] | None  # None when made with nag=False (the first asker decides)
    project: Path  # the copy the entry point read

    def twin_graph(self) -> tuple[list[dict], dict]:
        """(models, {twins, relationships}) the azure-digital-twins step loads for this project."""
        from twin_model.config import load_project
        from twin_model.config.adt_graph import twin_model

        return twin_model(load_project(self.project))

    def twinmaker(self):
        """The TwinMaker stand-in after the aws-twinmaker-entities step loaded this project's graph."""
        from twin_model.config import load_project
        from twin_ops.local.standins.twinmaker_registry import TwinMakerRegistry
        from twin_ops.post_deploy.aws_twinmaker_entities import Pacer, sync_entities, twin_graph

        config = load_project(self.project)
        registry = TwinMakerRegistry(config.name)
        readers = ("arn:aws:lambda:eu-central-1:123456789012:function:reader", "arn:aws:lambda:eu-central-1:123456789012:function:last")
        result = sync_entities(registry, config.name, config.name, *twin_graph(config), readers, pacer=Pacer(1e9),
                               sleep=lambda seconds: None)
        assert result.failed == {}, result.failed
        return registry

    def declared(self, device_id: str) -> frozenset[str]:
        """What the twin updater patches on a device's twin: its model's properties, as it reads them."""
        from runtime.azure.digital_twins import declared_properties

        models, graph = self.twin_graph()
        by_id = {model["@id"]: model for model in models}
        twin = next(t for t in graph["twins"] if t["$dtId"] == device_id)
        return declared_properties(by_id[twin["$metadata"]["$model"]], by_id.__getitem__)

    def template(self, stack: str) -> dict:
        return json.loads((self.outdir / f"{stack}.template.json").read_text())

    def terraform(self, stack: str) -> dict:
        return json.loads((self.tf_outdir / "stacks" / stack / "cdk.tf.json").read_text())

    def stack_file(self, stack: str, relative: str) -> Path:
        return self.tf_outdir / "stacks" / stack / relative

    @property
    def bundles(self) -> Path:
        return self.outdir / ".bundles"


def run_entry_point(project: Path, name: str, *, nag: bool = True) -> EntryPointRun:
    """`project` through the entry point, from the shared synth cache (tests/conftest.py).
    `nag=False` skips cdk-nag for a run whose tests never ask its findings (as synthesize_project)."""

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
        findings = (nag_report(built[0].aws_stacks) if built else {}) if nag else None
        (folder / "run.json").write_text(json.dumps({"code": code, "stderr": stderr.getvalue(), "nag": findings}))

    folder = synth_cache.entry(synth_cache.key("entry-point", project, {}, name=name), produce)
    ran = json.loads((folder / "run.json").read_text())
    return EntryPointRun(ran["code"], ran["stderr"], folder / "cdk.out", folder / "cdktf.out", ran["nag"], folder / name)


@pytest.fixture(scope="session")
def synthesized():
    """synthesized(name) → the fixture project `name` run through the entry point (once per run)."""
    return lambda name: run_entry_point(FIXTURES / name, name)
