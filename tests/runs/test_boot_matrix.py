"""Every Python function of every matrix project starts as its cloud would start it.

AWS: the Lambda code asset, its handler, layers and `Environment`; Azure: the Function App package
(`zip_deploy_file`) and its `app_settings`; Google: the source archive, `entry_point` and
`environment_variables`. Deploy-time references become placeholders shaped like their values
(tests/runs/placeholders.py); nothing else is added to a function's settings. Each function is
imported in an interpreter that sees its bundle, the standard library and what its cloud provides,
nothing else (`python -I -S` with a site of tests/runs/cloud_sites.py): boto3 on Lambda, the
bundle's requirements.txt on Azure and Google (twin_ops/local/function_host.py).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from twin_model.config import load_project
from twin_model.config.model import Provider
from twin_model.topology import plan_project
from tests.runs.cloud_sites import LAMBDA_PROVIDES, make_site, requirement_names
from tests.runs.conftest import PROJECTS
from tests.runs.matrix import coverage, universe
from tests.runs.placeholders import REGION, placeholder
from twin_ops.local.clouds import local_cloud
from twin_ops.local.function_platform import boot, boot_job
from twin_ops.local.output import SynthOutput

pytestmark = pytest.mark.runs


def python_functions_in(outdir: Path, tf_outdir: Path) -> int:
    """Counted from the raw output, independently of twin_ops.local.output."""
    count = 0
    for template in outdir.glob("*.template.json"):
        for resource in json.loads(template.read_text()).get("Resources", {}).values():
            properties = resource.get("Properties", {})
            if resource.get("Type") == "AWS::Lambda::Function" and str(properties.get("Runtime", "")).startswith("python"):
                count += "ZipFile" not in properties.get("Code", {})
    for stack in tf_outdir.glob("stacks/*/cdk.tf.json"):
        for kind, block in json.loads(stack.read_text()).get("resource", {}).items():
            for resource in block.values():
                azure = "zip_deploy_file" in resource and resource.get("runtime_name") == "python"
                google = kind == "google_cloudfunctions2_function" and resource["build_config"]["runtime"].startswith("python")
                count += azure or google
    return count


def test_the_matrix_puts_every_layer_on_every_cloud_and_every_bridge_in_every_direction(tmp_path):
    topologies = []
    for project in PROJECTS.values():
        config = load_project(project.write(tmp_path / project.name))
        topologies.append(plan_project(config))
    placements, routes = coverage(topologies)
    all_placements, all_routes = universe()
    assert sorted(all_placements - placements) == []
    assert sorted(all_routes - routes) == []
    # Four chain bridges and device feedback × 6 ordered cloud pairs; the hot reader from any hot
    # cloud to another one with a twin service (aws, azure) × 4; twin updates to Azure Digital
    # Twins from L2 on aws or google × 2; dashboards from any hot cloud to Grafana on aws or azure
    # (L4 elsewhere, so hot and L5 may share a cloud) × 6.
    assert len(all_routes) == 5 * 6 + 4 + 2 + 6


def test_every_matrix_project_runs_processors_events_actions_workflow_and_feedback(tmp_path):
    for project in PROJECTS.values():
        if not project.has_data_path:
            continue  # a twin model alone has no functions
        config = load_project(project.write(tmp_path / project.name))
        flags = config.flags
        assert (flags.use_event_checking, flags.trigger_notification_workflow, flags.return_feedback_to_device) == (
            True, True, True,
        ), project.name
        assert config.processor_files and config.actions and config.state_machine_file is not None, project.name


def provided(function) -> tuple[str, ...]:
    """What the function's cloud installs next to its bundle (distribution names)."""
    if function.cloud is Provider.AWS:
        return LAMBDA_PROVIDES
    return tuple(sorted(requirement_names(Path(function.code) / "requirements.txt")))


_SITES: dict[tuple[str, ...], Path] = {}


def site(names: tuple[str, ...], tmp_path_factory) -> Path:
    if names not in _SITES:
        _SITES[names] = make_site(tmp_path_factory.mktemp("site") / "site-packages", list(names))
    return _SITES[names]


# Last project first: tests/runs/test_local_runs.py takes them first to last (`make test` starts the
# `runs` files first, and its workers steal work), so two workers running the two files synthesize
# half the matrix each instead of one waiting for the other's synth of the same project.
@pytest.mark.parametrize("name", list(PROJECTS)[::-1])
def test_every_function_starts_with_its_synthesized_settings(name, matrix_synth, tmp_path, tmp_path_factory):
    synth = matrix_synth(name)
    output = SynthOutput(synth.outdir, synth.tf_outdir, tmp_path)
    functions = [function for function in output.functions if function.is_python]
    assert len(functions) == python_functions_in(synth.outdir, synth.tf_outdir)

    jobs: dict[tuple[str, ...], list[dict]] = {}  # by what the cloud installs for the function
    for function in functions:
        deployed = function.resolve(function.name, placeholder)
        region = output.aws_region(function.stack) if function.cloud is Provider.AWS else None
        platform = local_cloud(function.cloud).platform_environment(function, deployed, region or REGION)
        jobs.setdefault(provided(function), []).append(boot_job(function, {**platform, **function.environment(placeholder)}))
    booted = {job["label"]: result for group, batch in jobs.items()
              for job, result in zip(batch, boot(batch, site=site(group, tmp_path_factory)), strict=True)}
    results = [booted[function.label] for function in functions]

    failures = {result["label"]: result["error"] for result in results if not result["ok"]}
    assert failures == {}
    assert len(results) == len(functions)
    for result, function in zip(results, functions, strict=True):
        if function.cloud is Provider.AZURE:  # the app registers what DT_FUNCTIONS asks for
            modules = function.settings["DT_FUNCTIONS"].split(",")
            assert modules and all(any(f.startswith(m) for f in result["functions"]) for m in modules), result


# After the matrix: factory-floor is the first project test_local_runs.py synthesizes.
def test_a_bundle_without_the_contract_package_does_not_start(matrix_synth, tmp_path, tmp_path_factory):
    """The isolation can fail: the same bundle without `twin_contract` is a failed cold start."""
    synth = matrix_synth("factory-floor")
    output = SynthOutput(synth.outdir, synth.tf_outdir, tmp_path)
    function = next(f for f in output.functions
                    if f.is_python and f.cloud is Provider.AWS and (Path(f.code) / "twin_contract").is_dir())
    platform = local_cloud(function.cloud).platform_environment(function, function.resolve(function.name, placeholder), REGION)
    job = boot_job(function, {**platform, **function.environment(placeholder)})
    copy = shutil.copytree(function.code, tmp_path / "bundle")
    shutil.rmtree(copy / "twin_contract")
    (result,) = boot([{**job, "code": str(copy)}], site=site(LAMBDA_PROVIDES, tmp_path_factory))
    assert not result["ok"] and "No module named 'twin_contract'" in result["error"], result
    (result,) = boot([job], site=site(LAMBDA_PROVIDES, tmp_path_factory))
    assert result["ok"], result
