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
    the AWS stack constructs it built (for cdk-nag)."""

    code: int
    stderr: str
    outdir: Path
    tf_outdir: Path
    aws_stacks: dict
    project: Path

    def twin_graph(self) -> tuple[list[dict], dict]:
        """(models, {twins, relationships}) the azure-digital-twins step loads for this project."""
        from cdk_app.config import load_project
        from cdk_app.config.adt_graph import twin_model

        return twin_model(load_project(self.project))

    def twinmaker(self):
        """The TwinMaker stand-in after the aws-twinmaker-entities step loaded this project's graph."""
        from cdk_app.config import load_project
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


def run_entry_point(project: Path, workdir: Path) -> EntryPointRun:
    from cdk_app import main

    outdir, tf_outdir = workdir / "cdk.out", workdir / "cdktf.out"
    stderr = io.StringIO()
    built: list = []
    synthesize = main.synthesize

    def keep(*args, **kwargs):
        built.append(synthesize(*args, **kwargs))
        return built[-1]

    with contextlib.redirect_stderr(stderr), mock.patch.object(main, "synthesize", keep):
        code = main.run({"project": str(project), "tf_outdir": str(tf_outdir)}, str(outdir))
    return EntryPointRun(code, stderr.getvalue(), outdir, tf_outdir, built[0].aws_stacks if built else {}, project)


_RUNS: dict[str, EntryPointRun] = {}


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory):
    """synthesized(name) → the fixture project `name` run through the entry point (once per session)."""

    def get(name: str) -> EntryPointRun:
        if name not in _RUNS:
            workdir = tmp_path_factory.mktemp(f"compat-{name}")
            project = workdir / name
            shutil.copytree(FIXTURES / name, project)
            _RUNS[name] = run_entry_point(project, workdir)
        return _RUNS[name]

    return get
