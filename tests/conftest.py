"""Shared fixtures: example projects with other provider maps, and synthesized apps cached per session.

Synth is the slow part of this suite, so every test module asks `synth_project` for an app and
gets the same in-memory result for the same project and providers.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

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


@dataclass(frozen=True)
class Synthesized:
    """One synthesized run: the CDK cloud assembly, the Terraform outdir, config and topology."""

    assembly: object  # aws_cdk.cx_api.CloudAssembly
    aws_stacks: dict  # Layer -> AwsLayerStack (constructs, for cdk-nag and assertions)
    outdir: Path
    tf_outdir: Path
    config: object
    topology: object

    def template(self, stack_name: str) -> dict:
        return self.assembly.get_stack_by_name(stack_name).template

    def terraform(self, stack_name: str) -> dict:
        return json.loads((self.tf_outdir / "stacks" / stack_name / "cdk.tf.json").read_text())


def write_project(target: Path, providers: dict | None = None, base: Path = EXAMPLE, **overrides: object) -> Path:
    """Copy `base` to `target`, replacing config_providers.json and any file given as name=json."""
    shutil.copytree(base, target)
    if providers is not None:
        (target / "config_providers.json").write_text(json.dumps(providers))
    for name, content in overrides.items():
        (target / f"{name}.json").write_text(json.dumps(content))
    return target


_CACHE: dict[str, Synthesized] = {}


def synthesize_project(project: Path, workdir: Path) -> Synthesized:
    import aws_cdk as cdk

    from twin_model.config import load_project
    from cdk_app.main import synthesize
    from cdk_app.synth_settings import SynthSettings
    from twin_model.topology import plan_project

    outdir, tf_outdir = workdir / "cdk.out", workdir / "cdktf.out"
    app = cdk.App(outdir=str(outdir), context={"project": str(project), "tf_outdir": str(tf_outdir)})
    config = load_project(project)
    topology = plan_project(config)
    result = synthesize(app, config, topology, SynthSettings.from_app(app))
    return Synthesized(result.assembly, result.aws_stacks, outdir, tf_outdir, config, topology)


def synthesize_example(name: str, tmp_path_factory) -> Synthesized:
    """A bundled example as it is (examples/<name>), synthesized once per session for every test
    package; the default example is the same synth as `synth_project()`."""
    key = json.dumps([None, {}], sort_keys=True) if name == EXAMPLE.name else f"example:{name}"
    if key not in _CACHE:
        workdir = tmp_path_factory.mktemp(f"example-{name}")
        _CACHE[key] = synthesize_project(write_project(workdir / "project", base=REPO / "examples" / name), workdir)
    return _CACHE[key]


@pytest.fixture(scope="session")
def synth_project(tmp_path_factory):
    """synth_project(providers=None, **file_overrides) -> Synthesized, cached for the session."""

    def run(providers: dict | None = None, **overrides: object) -> Synthesized:
        key = json.dumps([providers, overrides], sort_keys=True)
        if key not in _CACHE:
            workdir = tmp_path_factory.mktemp("synth")
            project = write_project(workdir / "project", providers, **overrides)
            _CACHE[key] = synthesize_project(project, workdir)
        return _CACHE[key]

    return run


@pytest.fixture(scope="session")
def example(synth_project) -> Synthesized:
    """The bundled all-AWS example, synthesized once."""
    return synth_project()
