"""The pipeline's Synth step, run as CodeBuild would run it: its commands read from the template.

A fresh copy of the repository (the installed `.venv` and `node_modules` linked, so `make install`
finds everything up to date), the system PATH only, and CodeBuild's own environment variables
pointing elsewhere than the context. What it synthesizes must equal the local synth that produced
the pipeline: every CloudFormation template (the pipeline's own included, so self-mutation keeps
it as deployed) and every Terraform stack, with only asset hashes masked.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from tests import synth_cache
from tests.commands.conftest import REPO, copy_repository, run_shell
from tests.pipeline.synth import GCP_CONTEXT, GCP_EXAMPLE, build_spec, pipeline_actions, project_of_action, synth_pipeline

pytestmark = pytest.mark.commands

# What CodeBuild sets in its builds (region and account of the pipeline), deliberately different.
CODEBUILD_ENVIRONMENT = "export AWS_REGION=us-west-2 AWS_DEFAULT_REGION=us-west-2 CDK_DEFAULT_ACCOUNT=999999999999"
ASSET_HASH = re.compile(r"[0-9a-f]{64}")


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    return synth_pipeline(GCP_EXAMPLE, tmp_path_factory, **GCP_CONTEXT)


@pytest.fixture(scope="module")
def synth_commands(local) -> list[str]:
    (action,) = [a for stage, _, a in pipeline_actions(local.template) if stage == "Build" and a["Name"] == "Synth"]
    phases = build_spec(local.template, project_of_action(action))["phases"]
    return [*phases["install"]["commands"], *phases["build"]["commands"]]


@pytest.fixture(scope="module")
def pipeline_run(synth_commands, fresh_clone):
    """The Synth step run once per test run, whichever worker asks first (a synth's worth of CPU: the
    shared synth cache holds it), in a copy of its own: other command tests may leave outputs in the
    shared clone."""
    script = "\n".join(["set -e", CODEBUILD_ENVIRONMENT, *synth_commands])

    def produce(folder: Path) -> None:
        ran = run_shell(script, copy_repository(folder / "repo"), timeout=900)
        assert ran.returncode == 0, ran.output[-4000:]

    folder = synth_cache.entry(synth_cache.key("pipeline-step", REPO / GCP_EXAMPLE, {"script": script}), produce)
    return folder / "repo" / "cdk.out"


def test_the_synth_step_installs_then_runs_what_make_synth_runs(synth_commands):
    assert synth_commands[0] == "make install"  # .venv and node_modules from the image's Python and Node
    assert synth_commands[1].startswith("CDK_OUTDIR=cdk.out CDK_CONTEXT_JSON=")
    assert synth_commands[1].endswith(" .venv/bin/python app.py")


def test_every_setting_reaches_the_pipeline_synth(synth_commands, local):
    context = json.loads(shlex.split(synth_commands[1])[1].split("=", 1)[1])
    expected = {**local.context, "project": GCP_EXAMPLE, "tf_outdir": "cdk.out/cdktf.out"}
    assert {key: context.get(key) for key in expected} == expected


def templates(outdir: Path) -> dict[str, Path]:
    return {str(p.relative_to(outdir)): p for p in outdir.rglob("*.template.json")}


def terraform_stacks(outdir: Path) -> dict[str, Path]:
    return {str(p.relative_to(outdir)): p for p in (outdir / "cdktf.out").rglob("cdk.tf.json")}


def masked(path: Path) -> object:
    """The file's JSON with asset hashes masked (they fingerprint staged function bundles, not the
    infrastructure); everything else must be identical."""
    return json.loads(ASSET_HASH.sub("<asset-hash>", path.read_text()))


def test_the_pipeline_synthesizes_the_same_cloudformation_as_the_local_synth(local, pipeline_run):
    ours, theirs = templates(local.outdir), templates(pipeline_run)
    assert sorted(theirs) == sorted(ours)
    assert any("pipeline" in name for name in ours) and any(name.startswith("assembly-") for name in ours)
    for name in sorted(ours):
        assert masked(theirs[name]) == masked(ours[name]), name


def test_the_pipeline_synthesizes_the_same_terraform_as_the_local_synth(local, pipeline_run):
    ours, theirs = terraform_stacks(local.outdir), terraform_stacks(pipeline_run)
    assert sorted(theirs) == sorted(ours) and ours
    for name in sorted(ours):
        assert masked(theirs[name]) == masked(ours[name]), name
    provider = masked(next(iter(ours.values())))["provider"]["google"][0]
    assert provider["project"] == "acme-twin-42" and provider["region"] == "europe-west3"
