"""In-process synths of a bundled example with `pipeline=true`, cached for the session.

The layout mirrors the pipeline's own synth (Terraform output inside the cloud assembly), so a
Synth step run elsewhere can be compared file by file with these outputs.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests import synth_cache
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


class PipelineSynth(synth_cache.Entry):
    """A pipeline synth from the shared cache (tests/conftest.py), read from its files."""

    def __init__(self, example: str, folder: Path) -> None:
        super().__init__(folder, REPO / example)
        self.example = example  # the project folder, relative to the repository (as the pipeline checks it out)
        self.outdir = folder / "cdk.out"  # the cloud assembly; the Terraform stacks are in outdir/cdktf.out
        meta = json.loads((folder / "meta.json").read_text())
        self.context: dict = meta["context"]
        self.stack_name: str = meta["pipeline_stack"]
        self.aws_stack_names: list[str] = meta["aws_stacks"]
        self._nag: list[str] = meta["nag"]

    @property
    def template(self) -> dict:
        return json.loads((self.outdir / f"{self.stack_name}.template.json").read_text())

    @property
    def nag_findings(self) -> list[str]:
        """cdk-nag AwsSolutions findings on the pipeline stack not acknowledged in code."""
        return self._nag

    @property
    def tf_outdir(self) -> Path:
        return self.outdir / "cdktf.out"

    def terraform(self, stack_name: str) -> dict:
        return json.loads((self.tf_outdir / "stacks" / stack_name / "cdk.tf.json").read_text())


def synth_pipeline(example: str, workdir_factory=None, **context: str) -> PipelineSynth:
    """`example` (relative to the repository) synthesized with PIPELINE_CONTEXT and `context`, from
    the shared synth cache; the project stays where it is (the pipeline names it by that path)."""

    def produce(folder: Path) -> object:
        import aws_cdk as cdk

        from twin_model.config import load_project
        from cdk_app.main import synthesize
        from cdk_app.synth_settings import SynthSettings
        from twin_model.topology import plan_project
        from tests.conftest import nag_report

        outdir = folder / "cdk.out"
        full_context = {
            **PIPELINE_CONTEXT, **context, "project": str(REPO / example), "tf_outdir": str(outdir / "cdktf.out"),
        }
        app = cdk.App(outdir=str(outdir), context=full_context)
        config = load_project(REPO / example)
        result = synthesize(app, config, plan_project(config), SynthSettings.from_app(app))
        stack = app.node.find_child(f"{config.name}-pipeline")
        synth_cache.write_json(folder / "meta.json", {
            "context": full_context,
            "pipeline_stack": stack.stack_name,
            "aws_stacks": sorted(s.stack_name for s in result.aws_stacks.values()),
            "nag": nag_report({None: stack})[stack.stack_name],
        })
        return result

    key = synth_cache.key("pipeline", REPO / example, context, path=example)
    return PipelineSynth(example, synth_cache.entry(key, produce))


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
