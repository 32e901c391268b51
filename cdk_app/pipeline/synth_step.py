"""The pipeline's Synth step: the repository's own `make install`, then what `make synth` runs, with
every setting of the synth that deployed the pipeline, so self-mutation reproduces it as deployed.

`python app.py` rather than `cdk synth`: the CLI adds its own metadata (construct paths, version
reporting) that a `make synth` does not, and the pipeline must deploy what a local synth shows.
"""

from __future__ import annotations

import json
import shlex

from aws_cdk import aws_codebuild as codebuild
from aws_cdk import pipelines

from cdk_app.synth_settings import SynthSettings

CDK_CLI_VERSION = "2.1148.1"  # the version package.json pins
# CodeBuild's standard:7.0 image offers several; without a choice its default may change under us.
RUNTIME_VERSIONS = {"python": "3.11", "nodejs": "20"}
SYNTH_OUT = "cdk.out"  # the Synth step's output, the input of every later step
TF_OUTDIR = f"{SYNTH_OUT}/cdktf.out"  # inside the output, so the Terraform steps get it


def synth_context(settings: SynthSettings) -> dict[str, str]:
    """The context of the pipeline's own synth: every setting, with the project relative to the
    checkout and the Terraform output inside the cloud assembly (where only they may differ)."""
    assert settings.pipeline is not None
    return {**settings.to_context(), "project": settings.pipeline.project, "tf_outdir": TF_OUTDIR}


def synth_commands(context: dict[str, str]) -> tuple[list[str], list[str]]:
    """(install, build) commands on the image's own Python and Node: `make install` creates `.venv`
    and `node_modules`, then app.py runs as `make synth` runs it."""
    build = f"CDK_OUTDIR={SYNTH_OUT} CDK_CONTEXT_JSON={shlex.quote(json.dumps(context))} .venv/bin/python app.py"
    return ["make install"], [build]


def runtime_versions(**versions: str) -> codebuild.BuildSpec:
    return codebuild.BuildSpec.from_object({"phases": {"install": {"runtime-versions": versions}}})


def synth_step(source: pipelines.IFileSetProducer, settings: SynthSettings) -> pipelines.CodeBuildStep:
    install, build = synth_commands(synth_context(settings))
    return pipelines.CodeBuildStep(
        "Synth",
        input=source,
        install_commands=install,
        commands=build,
        primary_output_directory=SYNTH_OUT,
        partial_build_spec=runtime_versions(**RUNTIME_VERSIONS),
    )
