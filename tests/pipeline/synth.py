"""In-process synths of a bundled example with `pipeline=true`, cached for the session.

The layout mirrors the pipeline's own synth (Terraform output inside the cloud assembly), so a
Synth step run elsewhere can be compared file by file with these outputs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import REPO

ALL_AWS_EXAMPLE = "examples/factory-floor"
MIXED_EXAMPLE = "examples/factory-floor-aws-azure"  # L2, L3 hot, archive on Azure: L2 reads the L3 hot state
NO_AWS_EXAMPLE = "examples/factory-floor-azure"
GCP_EXAMPLE = "examples/factory-floor-gcp"
ACCOUNT = "111111111111"
PIPELINE_CONTEXT = {
    "pipeline": "true",
    "repository": "acme/twin-infra",
    "branch": "main",
    "connection_arn": f"arn:aws:codeconnections:eu-central-1:{ACCOUNT}:connection/abc",
    "account": ACCOUNT,
    "region": "eu-central-1",
}


# Every setting away from its default (the Synth-step run compares with this synth).
GCP_CONTEXT = {
    "region": "eu-west-1",
    "gcp_project": "acme-twin-42",
    "gcp_region": "europe-west3",
    "azure_location": "northeurope",
    "tf_state_bucket": "acme-twin-state",
    "branch": "release",
    "pipeline_approval": "true",
}


@dataclass(frozen=True)
class PipelineSynth:
    example: str  # the project folder, relative to the repository (as the pipeline checks it out)
    outdir: Path  # the cloud assembly; the Terraform stacks are in outdir/cdktf.out
    context: dict
    result: object  # cdk_app.main.SynthResult
    stack: object  # the PipelineStack construct
    config: object
    topology: object

    @property
    def template(self) -> dict:
        return self.result.assembly.get_stack_by_name(self.stack.stack_name).template

    @property
    def tf_outdir(self) -> Path:
        return self.outdir / "cdktf.out"

    def terraform(self, stack_name: str) -> dict:
        return json.loads((self.tf_outdir / "stacks" / stack_name / "cdk.tf.json").read_text())


_CACHE: dict[str, PipelineSynth] = {}


def synth_pipeline(example: str, workdir_factory, **context: str) -> PipelineSynth:
    """`example` (relative to the repository) synthesized with PIPELINE_CONTEXT and `context`."""
    key = json.dumps([example, context], sort_keys=True)
    if key not in _CACHE:
        import aws_cdk as cdk

        from twin_model.config import load_project
        from cdk_app.main import synthesize
        from cdk_app.synth_settings import SynthSettings
        from twin_model.topology import plan_project

        outdir = workdir_factory.mktemp("pipeline") / "cdk.out"
        full_context = {
            **PIPELINE_CONTEXT, **context, "project": str(REPO / example), "tf_outdir": str(outdir / "cdktf.out"),
        }
        app = cdk.App(outdir=str(outdir), context=full_context)
        config = load_project(REPO / example)
        topology = plan_project(config)
        result = synthesize(app, config, topology, SynthSettings.from_app(app))
        stack = app.node.find_child(f"{config.name}-pipeline")
        _CACHE[key] = PipelineSynth(example, outdir, full_context, result, stack, config, topology)
    return _CACHE[key]


def resources_of_type(template: dict, kind: str) -> dict[str, dict]:
    return {key: value for key, value in template["Resources"].items() if value["Type"] == kind}


def pipeline_actions(template: dict) -> list[tuple[str, int, dict]]:
    """(stage name, run order, action) of the CodePipeline, in stage order then run order."""
    (pipeline,) = resources_of_type(template, "AWS::CodePipeline::Pipeline").values()
    return [
        (stage["Name"], action.get("RunOrder", 1), action)
        for stage in pipeline["Properties"]["Stages"]
        for action in sorted(stage["Actions"], key=lambda a: a.get("RunOrder", 1))
    ]


def build_spec(template: dict, project_id: str) -> dict:
    return json.loads(template["Resources"][project_id]["Properties"]["Source"]["BuildSpec"])


def project_of_action(action: dict) -> str:
    """The logical id of the CodeBuild project a CodeBuild action runs."""
    return action["Configuration"]["ProjectName"]["Ref"]
