"""config_providers.json: values, aliases, unknown keys, required layers, defaults, L4/L5 not on Google."""

from __future__ import annotations

import pytest

from twin_model.config import Layer, Provider, load_project
from tests.conftest import ALL_AWS, WITHOUT_EVENTS
from tests.config.helpers import only_problem, problems_of, where

FILE = "config_providers.json"
AWS, AZURE, GOOGLE = Provider.AWS, Provider.AZURE, Provider.GOOGLE


def providers(**changes):
    """ALL_AWS with changes; a value of ... removes the key."""
    result = dict(ALL_AWS)
    for key, value in changes.items():
        if value is ...:
            del result[key]
        else:
            result[key] = value
    return result


def loaded(make_project, mapping):
    """Load with the given providers; events off, since the example's workflow action needs L2 = aws."""
    config = load_project(make_project(mapping, **WITHOUT_EVENTS))
    return {layer: config.providers[layer] for layer in Layer}


@pytest.mark.parametrize("value", ["oracle", "", "amazon", 1, ["aws"]], ids=repr)
def test_unknown_provider_value(make_project, value):
    problem = only_problem(make_project(providers(layer_3_cold_provider=value)))
    assert (problem.file, problem.path) == (FILE, "$.layer_3_cold_provider")


def test_unknown_key(make_project):
    problem = only_problem(make_project(providers(layer_6_provider="aws")))
    assert (problem.file, problem.path) == (FILE, "$.layer_6_provider")


@pytest.mark.parametrize("key", ["layer_1_provider", "layer_2_provider", "layer_3_hot_provider"])
def test_required_layer_missing(make_project, key):
    problem = only_problem(make_project(providers(**{key: ...})))
    assert (problem.file, problem.path) == (FILE, f"$.{key}")


@pytest.mark.parametrize("key", ["layer_4_provider", "layer_5_provider"])
@pytest.mark.parametrize("value", ["google", "gcp", "GOOGLE"])
def test_l4_l5_not_on_google(make_project, key, value):
    problem = only_problem(make_project(providers(**{key: value})))
    assert (problem.file, problem.path) == (FILE, f"$.{key}")
    assert "Google" in problem.expected


def test_l4_defaulted_from_google_hot_names_layer_4(make_project):
    mapping = providers(layer_3_hot_provider="google", layer_4_provider=...)
    problem = only_problem(make_project(mapping, **WITHOUT_EVENTS))
    assert (problem.file, problem.path) == (FILE, "$.layer_4_provider")
    assert "defaulted" in problem.expected


def test_an_invalid_value_is_not_replaced_by_a_default(make_project):
    """layer_4_provider "oracle" with hot on Google: one problem, not also "defaulted to Google"."""
    mapping = providers(layer_3_hot_provider="google", layer_4_provider="oracle")
    problem = only_problem(make_project(mapping, **WITHOUT_EVENTS))
    assert (problem.file, problem.path) == (FILE, "$.layer_4_provider")
    assert "oracle" in problem.expected


def test_null_means_not_set(make_project):
    mapping = providers(
        layer_3_hot_provider="azure", layer_3_cold_provider=None, layer_4_provider=None, layer_5_provider=None
    )
    result = loaded(make_project, mapping)
    assert (result[Layer.L3_COLD], result[Layer.L4], result[Layer.L5]) == (AZURE, AZURE, AZURE)


def test_l4_and_l5_both_defaulted_to_google_are_both_reported(make_project):
    mapping = providers(layer_3_hot_provider="google", layer_4_provider=..., layer_5_provider=...)
    assert where(problems_of(make_project(mapping, **WITHOUT_EVENTS))) == {
        (FILE, "$.layer_4_provider"),
        (FILE, "$.layer_5_provider"),
    }


@pytest.mark.parametrize(
    "given, cold, archive, l4, l5",
    [
        # only the three required layers: everything downstream follows L3 hot
        (dict(layer_3_hot_provider="azure"), AZURE, AZURE, AZURE, AZURE),
        # archive follows cold, not hot
        (dict(layer_3_hot_provider="aws", layer_3_cold_provider="google"), GOOGLE, GOOGLE, AWS, AWS),
        # L5 follows L4, not hot
        (dict(layer_3_hot_provider="aws", layer_4_provider="azure"), AWS, AWS, AZURE, AZURE),
        # hot on Google is fine when L4 is given
        (dict(layer_3_hot_provider="google", layer_4_provider="aws"), GOOGLE, GOOGLE, AWS, AWS),
        # explicit values win over defaults
        (dict(layer_3_hot_provider="aws", layer_3_archive_provider="azure", layer_5_provider="azure"),
         AWS, AZURE, AWS, AZURE),
    ],
    ids=["hot-only", "archive-from-cold", "l5-from-l4", "google-hot", "explicit"],
)
def test_defaults_follow_the_data(make_project, given, cold, archive, l4, l5):
    result = loaded(make_project, {"layer_1_provider": "aws", "layer_2_provider": "aws", **given})
    downstream = (result[Layer.L3_COLD], result[Layer.L3_ARCHIVE], result[Layer.L4], result[Layer.L5])
    assert downstream == (cold, archive, l4, l5)


@pytest.mark.parametrize(
    "value, provider",
    [("aws", AWS), ("AWS", AWS), ("Azure", AZURE), ("AZURE", AZURE), ("google", GOOGLE), ("gcp", GOOGLE),
     ("GCP", GOOGLE), ("Google", GOOGLE)],
)
def test_provider_values_are_case_insensitive_and_gcp_is_google(make_project, value, provider):
    result = loaded(make_project, providers(layer_1_provider=value, layer_3_archive_provider=value))
    assert result[Layer.L1] is provider
    assert result[Layer.L3_ARCHIVE] is provider


def test_every_provider_mistake_is_reported(make_project):
    mapping = {"layer_1_provider": "oracle", "layer_3_hot_provider": "aws", "layer_4_provider": "google", "extra": 1}
    assert where(problems_of(make_project(mapping))) == {
        (FILE, "$.layer_1_provider"),
        (FILE, "$.layer_2_provider"),
        (FILE, "$.layer_4_provider"),
        (FILE, "$.layer_5_provider"),  # defaulted from L4, so also Google
        (FILE, "$.extra"),
    }


# --- "none": a twin without a twin model or dashboards ---------------------------------------------------


def placed(make_project, mapping):
    config = load_project(make_project(mapping, **WITHOUT_EVENTS))
    return {layer: config.providers.get(layer) for layer in Layer}


@pytest.mark.parametrize(
    "given, l4, l5",
    [
        (dict(layer_4_provider="none", layer_5_provider="none"), None, None),
        (dict(layer_4_provider="none", layer_5_provider=...), None, None),  # L5 follows L4
        (dict(layer_4_provider="None", layer_5_provider=" NONE "), None, None),
        (dict(layer_5_provider="none"), AWS, None),
        (dict(layer_3_hot_provider="google", layer_4_provider="none", layer_5_provider=...), None, None),
    ],
    ids=["both", "l5-follows", "any-case", "dashboards-only", "google-pipeline"],
)
def test_l4_and_l5_may_be_none(make_project, given, l4, l5):
    result = placed(make_project, providers(**given))
    assert (result[Layer.L4], result[Layer.L5]) == (l4, l5)
    assert result[Layer.L1] is AWS  # the data path is placed as given


def test_a_google_only_pipeline_in_the_predecessors_format_loads(make_project):
    mapping = {"layer_1_provider": "google", "layer_2_provider": "google", "layer_3_hot_provider": "google",
               "layer_3_cold_provider": "google", "layer_3_archive_provider": "google",
               "layer_4_provider": "none", "layer_5_provider": "none"}
    result = placed(make_project, mapping)
    assert {layer for layer, cloud in result.items() if cloud is None} == {Layer.L4, Layer.L5}


def test_dashboards_without_a_twin_model_are_a_configuration_error(make_project):
    problem = only_problem(make_project(providers(layer_4_provider="none", layer_5_provider="aws"), **WITHOUT_EVENTS))
    assert (problem.file, problem.path) == (FILE, "$.layer_5_provider")
    assert '"none", or layer_4_provider placed: dashboards show the twin model' in problem.expected


# Issue #23: a data-path layer may be "none" too; then the layers that need it are refused, each at
# its own key (the example places every layer on AWS explicitly). Archive alone may go.
NEEDED_BY = {
    "layer_1_provider": {"layer_2_provider"},
    "layer_2_provider": {"layer_1_provider", "layer_3_hot_provider"},
    "layer_3_hot_provider": {"layer_2_provider", "layer_3_cold_provider", "layer_5_provider"},
    "layer_3_cold_provider": {"layer_3_archive_provider"},
    "layer_3_archive_provider": set(),
}


@pytest.mark.parametrize("key", NEEDED_BY)
def test_a_data_path_layer_left_out_refuses_the_layers_that_need_it(make_project, key):
    project = make_project(providers(**{key: "none"}), **WITHOUT_EVENTS)
    if not NEEDED_BY[key]:
        assert load_project(project).providers.get(Layer.L3_ARCHIVE) is None
        return
    assert where(problems_of(project)) == {(FILE, f"$.{other}") for other in NEEDED_BY[key]}


def test_google_for_l4_names_none_as_a_choice(make_project):
    problem = only_problem(make_project(providers(layer_4_provider="google", layer_5_provider="none")))
    assert problem.expected.startswith("aws or azure or none: Google Cloud")


def test_without_a_twin_model_the_hierarchy_is_not_needed(make_project):
    project = make_project(providers(layer_4_provider="none", layer_5_provider="none"), **WITHOUT_EVENTS)
    config = load_project(project)
    assert config.hierarchy == ()
    hierarchy_warnings = [w for w in config.warnings if w.file == "config_hierarchy.json"]
    assert [(w.path, w.expected) for w in hierarchy_warnings] == [("$", "not read: layer_4_provider is none (no twin model)")]
    (project / "config_hierarchy.json").unlink()
    assert not [w for w in load_project(project).warnings if "hierarchy" in w.file]
