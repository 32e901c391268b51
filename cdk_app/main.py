"""Entry point of `cdk synth`: project files → config → topology → stacks → both apps synthesized.

CloudFormation goes to the CDK outdir (`CDK_OUTDIR`, set by the CDK CLI), Terraform JSON to
`cdktf.out/` (context `tf_outdir`). Bad project files produce one report and exit code 1 before
anything is written; a limit found while building the stacks (a service quota the project
exceeds) is reported the same way, and whatever this run had written is removed.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import cx_api
from constructs import Construct

from cdk_app.bundles import BundleStager
from twin_model.config import ConfigProblem, ProjectConfigError, load_project
from twin_model.config.model import ProjectConfig, Provider
from twin_model.paths import REPO_ROOT
from cdk_app.synth_settings import SettingsError, SynthSettings
from cdk_app.summary import (
    StackSummary,
    cloudformation_resource_count,
    render_mermaid,
    render_table,
    render_warnings,
    terraform_resource_count,
)
from twin_model.topology import Topology, plan_project
from constructs_lib.quota import QuotaExceeded

# The project file that holds what a QuotaExceeded names.
QUOTA_FILES = {"devices": "config_iot_devices.json", "device schemas": "config_iot_devices.json",
               "entities": "config_hierarchy.json"}


def main() -> int:
    """`python app.py` / `cdk synth`: context and outdir from the environment the CDK CLI sets."""
    try:
        context = cli_context()
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return run(context, os.environ.get("CDK_OUTDIR"))


def cli_context() -> dict:
    """The context the CDK CLI passes: CDK_CONTEXT_JSON, plus the file it names when that is too large."""
    context: dict = {}
    for source, read in (
        ("CDK_CONTEXT_JSON", lambda: os.environ.get("CDK_CONTEXT_JSON", "")),
        ("CONTEXT_OVERFLOW_LOCATION_ENV", lambda: _read_file(os.environ.get("CONTEXT_OVERFLOW_LOCATION_ENV"))),
    ):
        try:
            raw = read()
            if not raw:
                continue
            value = json.loads(raw)
        except (OSError, ValueError) as exc:
            raise SettingsError(f"{source} is not readable JSON ({exc})") from exc
        if not isinstance(value, dict):
            raise SettingsError(f"{source} must hold a JSON object of context keys")
        context.update(value)
    return context


def _read_file(path: str | None) -> str:
    return Path(path).read_text(encoding="utf-8") if path else ""


def run(context: dict, outdir: str | None) -> int:
    """Load the project, then synthesize; the project is checked before any App or output exists.

    Both are passed to the App explicitly, so this also runs in-process (tests): the App's own
    reading of CDK_OUTDIR/CDK_CONTEXT_JSON sees the environment its jsii process started with.
    """
    try:
        settings = SynthSettings.from_context(context.get)
        outputs = [_Output(settings.tf_outdir)] + ([_Output(Path(outdir))] if outdir else [])
        config = load_project(settings.project)
    except (SettingsError, ProjectConfigError) as error:
        print(error.report() if isinstance(error, ProjectConfigError) else f"error: {error}", file=sys.stderr)
        return 1  # bad input writes nothing
    app = cdk.App(outdir=outdir, context=context)
    if not outdir:
        outputs.append(_Output(Path(app.outdir), existed=False))  # the App's own temporary folder
    topology = plan_project(config)
    try:
        result = synthesize(app, config, topology, settings)
    except QuotaExceeded as error:  # a limit the project exceeds (e.g. a device shard overfills)
        _discard(outputs)
        file = QUOTA_FILES.get(error.subject, "config_iot_devices.json")
        print(ProjectConfigError(str(settings.project), [ConfigProblem(file, "$", str(error))]).report(), file=sys.stderr)
        return 1
    except ValueError as error:  # context the stacks cannot use (e.g. an unknown tf_backend)
        _discard(outputs)
        print(f"error: {error}", file=sys.stderr)
        return 1
    except BaseException:
        _discard(outputs)  # an internal error: its traceback is a bug report, but no half output
        raise
    if config.warnings:
        print(render_warnings(config.warnings) + "\n", file=sys.stderr)
    print(render_table(result.summaries, topology), file=sys.stderr)
    diagram = Path(app.outdir) / "topology.md"
    diagram.write_text(render_mermaid(topology), encoding="utf-8")
    print(f"\ntopology diagram: {diagram}", file=sys.stderr)
    if not topology.layers_on(Provider.AWS) and settings.pipeline is None:
        print(
            "no AWS stacks: the Terraform stacks are complete; `cdk synth` will add "
            "'This app contains no stacks' (use `make synth`, or `python app.py`)",
            file=sys.stderr,
        )
    return 0


class _Output:
    """An output folder as it was before this run, so a failed run can take back what it wrote."""

    def __init__(self, folder: Path, existed: bool | None = None) -> None:
        self.existed = folder.exists() if existed is None else existed
        while not self.existed and not folder.parent.exists() and folder.parent != folder:
            folder = folder.parent  # a nested outdir: its missing parents are this run's too
        self.folder = folder
        self.entries = set(os.listdir(folder)) if self.existed and folder.is_dir() else set()


def _discard(outputs: list[_Output]) -> None:
    """Remove what this run added to its output folders (folders it created go entirely)."""
    for output in outputs:
        if not output.folder.is_dir():
            continue
        if not output.existed:
            shutil.rmtree(output.folder, ignore_errors=True)
            continue
        for name in set(os.listdir(output.folder)) - output.entries:
            path = output.folder / name
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


@dataclass(frozen=True)
class SynthResult:
    summaries: list[StackSummary]  # one row per stack, in deploy order
    aws_stacks: dict  # Layer (or Part, for a stack split off a layer) -> AWS stack construct (tests, cdk-nag)
    assembly: cx_api.CloudAssembly


def feature_flags() -> dict:
    """The CDK feature flags of cdk.json (the recommended set, where the CLI reads them).

    The app sets them itself too, so `cdk synth`, `python app.py` from any directory and the tests
    all synthesize the same templates from one list.
    """
    context = json.loads((REPO_ROOT / "cdk.json").read_text(encoding="utf-8"))["context"]
    return {key: value for key, value in context.items() if key.startswith("@aws-cdk")}


def synthesize(app: cdk.App, config: ProjectConfig, topology: Topology, settings: SynthSettings) -> SynthResult:
    """Build every layer's stack on its cloud and synthesize both apps."""
    from cdk_app.stacks.aws import build_aws_stacks

    for flag, value in feature_flags().items():
        app.node.set_context(flag, value)

    env = cdk.Environment(account=settings.account, region=settings.region)
    # Absolute: CDK Terrain resolves a relative asset path against a cdktf.json we do not have.
    bundles = BundleStager(config, Path(app.outdir).resolve() / ".bundles")
    # Terraform first: the pipeline grants each Terraform step the state its written stack uses.
    if any(stack.cloud is not Provider.AWS for stack in topology.stacks):
        _synth_terraform(config, topology, settings, bundles)
    aws_stacks: dict = {}

    def build(scope: Construct) -> dict:
        if topology.layers_on(Provider.AWS):
            aws_stacks.update(build_aws_stacks(scope, config, topology, env, bundles))
        return aws_stacks

    if settings.pipeline is not None:  # also for a twin without AWS layers: the pipeline lives in AWS
        from cdk_app.pipeline import PipelineStack

        PipelineStack(app, config, topology, settings, env=env, build_aws_stacks=build)
    else:
        build(app)
    assembly = app.synth()

    rows = {}
    for stack in aws_stacks.values():
        # Inside a pipeline stage the template sits in the stage's own assembly directory.
        template_path = Path(cdk.Stage.of(stack).outdir) / stack.template_file
        resources, nested = cloudformation_resource_count(template_path)
        rows[stack.stack_name] = StackSummary(stack.stack_name, Provider.AWS, resources, str(template_path), nested)
    for twin_stack in topology.stacks:
        if twin_stack.cloud is not Provider.AWS:
            stack_json = settings.tf_outdir / "stacks" / twin_stack.name / "cdk.tf.json"
            rows[twin_stack.name] = StackSummary(
                twin_stack.name, twin_stack.cloud, terraform_resource_count(stack_json), str(stack_json)
            )
    return SynthResult([rows[stack.name] for stack in topology.stacks], aws_stacks, assembly)


def _synth_terraform(config: ProjectConfig, topology: Topology, settings: SynthSettings, bundles: BundleStager) -> None:
    import cdktn

    from cdk_app.stacks.terraform import build_terraform_stacks
    from cdk_app.stacks.terraform.terraform_settings import TerraformSettings

    settings.tf_outdir.mkdir(parents=True, exist_ok=True)  # CDK Terrain creates only the last level
    # Terraform/OpenTofu ≥ 1.10: S3-native state locking, the default backend's lock.
    tf_app = cdktn.App(
        outdir=str(settings.tf_outdir),
        stack_traces=False,
        context={"targetVersions": {"terraform": ">=1.10.0", "opentofu": ">=1.10.0"}},
    )
    terraform_settings = TerraformSettings(
        aws_region=settings.region,
        azure_location=settings.azure_location,
        gcp_project=settings.gcp_project,
        gcp_region=settings.gcp_region,
        backend=settings.tf_backend,
    )
    build_terraform_stacks(tf_app, config, topology, terraform_settings, bundles)
    tf_app.synth()
