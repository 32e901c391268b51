"""Terraform-only synth of a project: the Google (and Azure) stacks without the CDK side.

The AWS stacks are not needed to check the Google ones, and skipping their synth keeps these
tests fast; results come from the shared synth cache (tests/synth_cache.py).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from functools import cached_property
from pathlib import Path

from tests import synth_cache
from tests.conftest import REPO, WITHOUT_EVENTS, write_project

GCP_EXAMPLE = REPO / "examples" / "factory-floor-gcp"
GCP_PROJECT = "twin-project-1234"


def providers(l1: str, l2: str, hot: str, cold: str, archive: str, l4: str = "aws", l5: str = "aws") -> dict[str, str]:
    return {
        "layer_1_provider": l1,
        "layer_2_provider": l2,
        "layer_3_hot_provider": hot,
        "layer_3_cold_provider": cold,
        "layer_3_archive_provider": archive,
        "layer_4_provider": l4,
        "layer_5_provider": l5,
    }


class TerraformSynth(synth_cache.Entry):
    """A Terraform-only synth from the shared cache (tests/conftest.py): the files, config and
    topology; `stacks` (Layer → TerraformStack construct) only in the process that made it, else
    by a synth of its own (slow: prefer the files)."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.tf_outdir = folder / "cdktf.out"

    @cached_property
    def stacks(self) -> dict:
        made = synth_cache.live(self.folder)
        return made if made is not None else _terraform_stacks(self.project, Path(tempfile.mkdtemp(prefix="twin-resynth-")))

    def stack_json(self, stack_name: str) -> dict:
        return json.loads(self.text(stack_name))

    def text(self, stack_name: str) -> str:
        return (self.tf_outdir / "stacks" / stack_name / "cdk.tf.json").read_text()

    @property
    def stack_names(self) -> list[str]:
        return sorted(p.name for p in (self.tf_outdir / "stacks").iterdir())


def _terraform_stacks(project: Path, workdir: Path) -> dict:
    import cdktn

    from cdk_app.bundles import BundleStager
    from twin_model.config import load_project
    from cdk_app.stacks.terraform import build_terraform_stacks
    from cdk_app.stacks.terraform.terraform_settings import TerraformSettings
    from twin_model.topology import plan_project

    config = load_project(project)
    topology = plan_project(config)
    # The same App settings as cdk_app.main._synth_terrain.
    app = cdktn.App(
        outdir=str(workdir / "cdktf.out"),
        stack_traces=False,
        context={"targetVersions": {"terraform": ">=1.10.0", "opentofu": ">=1.10.0"}},
    )
    settings = TerraformSettings(
        aws_region="eu-central-1", azure_location="westeurope", gcp_project=GCP_PROJECT, gcp_region="europe-west1"
    )
    stacks = build_terraform_stacks(app, config, topology, settings, BundleStager(config, workdir / "bundles"))
    app.synth()
    return stacks


def synth_terraform(project: Path, workdir: Path | None = None) -> TerraformSynth:
    """The Terraform stacks of `project`, from the shared synth cache (`workdir` is not used)."""

    def produce(folder: Path) -> dict:
        return _terraform_stacks(shutil.copytree(project, folder / "project", symlinks=True), folder)

    return TerraformSynth(synth_cache.entry(synth_cache.key("terraform", project, {}), produce))


VARIANTS = {
    # The example: L1-L3 on Google, the twin and dashboards on AWS.
    "example": (None, {}),
    # Google L2 and cold between AWS layers: ingestion and cold writer receive, persister and
    # cold→archive mover send.
    "google-l2-and-cold": (providers("aws", "google", "aws", "google", "aws"), {}),
    # Google L1, hot and archive around AWS L2 and cold: connector sends, hot writer and archive
    # writer receive, hot→cold mover sends, hot readers serve the AWS twin.
    "google-l1-hot-archive": (providers("google", "aws", "google", "aws", "google"), WITHOUT_EVENTS),
    # Azure Digital Twins on top of Google L1-L3: Terraform ↔ Terraform cross-stack references.
    "azure-twin": (providers("google", "google", "google", "google", "google", "azure", "azure"), {}),
}
_MADE: dict[str, TerraformSynth] = {}


def synth_variant(name: str, tmp_path_factory) -> TerraformSynth:
    if name not in _MADE:
        provider_map, overrides = VARIANTS[name]
        project = write_project(tmp_path_factory.mktemp(f"gcp-{name}") / "project", provider_map, base=GCP_EXAMPLE, **overrides)
        _MADE[name] = synth_terraform(project)
    return _MADE[name]
