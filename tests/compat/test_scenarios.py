"""The predecessor's twelve end-to-end scenarios, built the way its tests built them: its project
template (here the newer generation's fixture) copied, `digital_twin_name` set to `sc-<name>` and
`config_providers.json` written with the scenario's seven providers (L4/L5 `none` on Google)."""

from __future__ import annotations

import pytest

from twin_model.config import load_project
from twin_model.topology import plan_project
from tests.compat.conftest import SCENARIOS, run_entry_point, scenario_project

SUFFIXES = ("l1", "l2", "l3-hot", "l3-cold", "l3-archive", "l4", "l5")


def expected_stacks(name: str) -> set[str]:
    """A stack per placed layer, and L1's feedback receiver when L2 is on another cloud (the
    template returns feedback to devices: useEventChecking and returnFeedbackToDevice)."""
    layers = SCENARIOS[name]
    stacks = {f"sc-{name}-{suffix}" for suffix, provider in zip(SUFFIXES, layers, strict=True) if provider != "none"}
    return stacks | ({f"sc-{name}-l1-feedback"} if layers[0] != layers[1] else set())


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_loads_and_places_every_layer(tmp_path, name):
    config = load_project(scenario_project(name, tmp_path))
    topology = plan_project(config)
    assert {stack.name for stack in topology.stacks} == expected_stacks(name)
    hierarchy_file = {"aws": "twin_hierarchy/aws_hierarchy.json", "azure": "twin_hierarchy/azure_hierarchy.json"}
    l4 = SCENARIOS[name][5]
    if l4 == "none":
        assert config.hierarchy == () and config.scene is None
    else:
        assert config.hierarchy  # the layer-4 cloud's own predecessor file
        assert (config.dtdl is not None) == (l4 == "azure")
        assert not [w for w in config.warnings if w.file == hierarchy_file[l4] and "not read" in w.expected]
        assert config.scene is not None and config.scene.cloud.value == l4


@pytest.mark.slow
@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_synthesizes_through_the_entry_point(tmp_path, name):
    project = scenario_project(name, tmp_path)
    run = run_entry_point(project, project.name, nag=False)  # the scenarios' stacks, not their findings
    assert run.code == 0, run.stderr[-3000:]
    stacks = {line.split()[0] for line in run.stderr.splitlines() if line.startswith(f"sc-{name}-")}
    assert stacks == expected_stacks(name)
