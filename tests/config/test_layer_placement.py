"""Issue #23 (5.3): every layer may be "none" where the rest still works; the rest is refused,
each with its reason, at the key that cannot stand (README "Topology rules"; table by hand)."""

from __future__ import annotations

import pytest

from twin_model.config import load_project
from tests.config.helpers import flags, only_problem

N = "none"
KEYS = ("layer_1_provider", "layer_2_provider", "layer_3_hot_provider", "layer_3_cold_provider",
        "layer_3_archive_provider", "layer_4_provider", "layer_5_provider")
OFF = flags()  # no event checking: it needs layer 2

# (L1, L2, hot, cold, archive, L4, L5) → accepted
ACCEPTED = {
    "model-only": (N, N, N, N, N, "aws", N),
    "model-only-azure": (N, N, N, N, N, "azure", N),
    "hot-only": ("aws", "aws", "aws", N, N, "aws", "aws"),
    "cold-without-archive": ("aws", "aws", "aws", "aws", N, N, N),
    "pipeline-without-twin": ("aws", "aws", "aws", "aws", "aws", N, N),
}
# → (the key reported, a fragment of its reason)
REFUSED = {
    "nothing": ((N, N, N, N, N, N, N), "layer_4_provider", "at least one layer"),
    "ingestion-without-processing": (("aws", N, N, N, N, "aws", N), "layer_1_provider", "hands every reading to layer 2"),
    "processing-without-hot": (("aws", "aws", N, N, N, "aws", N), "layer_2_provider", "persister stores every record"),
    "hot-without-processing": ((N, N, "aws", N, N, "aws", N), "layer_3_hot_provider", "nothing else writes it"),
    "cold-without-hot": ((N, N, N, "aws", N, "aws", N), "layer_3_cold_provider", "hot storage's mover"),
    "archive-without-cold": (("aws", "aws", "aws", N, "aws", N, N), "layer_3_archive_provider", "cold storage moves on"),
    "dashboards-without-hot": ((N, N, N, N, N, "aws", "aws"), "layer_5_provider", "read the twin's values from hot"),
    "dashboards-without-twin": (("aws", "aws", "aws", "aws", "aws", N, "aws"), "layer_5_provider", "show the twin model"),
}


def providers(values: tuple[str, ...]) -> dict[str, str]:
    return dict(zip(KEYS, values, strict=True))


@pytest.mark.parametrize("name", ACCEPTED)
def test_combinations_that_work_are_accepted(make_project, name):
    config = load_project(make_project(providers(ACCEPTED[name]), config_optimization=OFF, config_events=[]))
    placed = {layer.config_key for layer in config.providers.placed}
    assert placed == {key for key, value in providers(ACCEPTED[name]).items() if value != N}


@pytest.mark.parametrize("name", REFUSED)
def test_combinations_that_cannot_work_are_refused_with_their_reason(make_project, name):
    values, key, reason = REFUSED[name]
    problem = only_problem(make_project(providers(values), config_optimization=OFF, config_events=[]))
    assert (problem.file, problem.path) == ("config_providers.json", f"$.{key}")
    assert reason in problem.expected


def test_a_model_only_twin_refuses_event_checking(make_project):
    problem = only_problem(make_project(providers(ACCEPTED["model-only"]), config_optimization=flags(useEventChecking=True),
                                        config_events=[]))
    assert problem.path.endswith(".useEventChecking") and 'layer_2_provider is "none"' in problem.expected


def test_dashboards_follow_the_twin_only_where_there_is_hot_storage(make_project):
    values = dict(providers(ACCEPTED["model-only"]))
    del values["layer_5_provider"]  # missing: would follow L4, but dashboards read hot storage
    config = load_project(make_project(values, config_optimization=OFF, config_events=[]))
    assert [layer.config_key for layer in config.providers.placed] == ["layer_4_provider"]
