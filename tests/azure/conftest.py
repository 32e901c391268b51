"""Azure test fixtures: the two Azure example projects and provider variants, synthesized once per session."""

from __future__ import annotations

import functools
import json

import pytest

from tests.conftest import REPO, WITHOUT_EVENTS, Synthesized, synthesize_example, synthesize_project, write_project

AZURE_EXAMPLE = REPO / "examples" / "factory-floor-azure"
MIXED_EXAMPLE = REPO / "examples" / "factory-floor-aws-azure"
LAYER_KEYS = ("layer_1_provider", "layer_2_provider", "layer_3_hot_provider", "layer_3_cold_provider",
              "layer_3_archive_provider", "layer_4_provider", "layer_5_provider")


def providers(*clouds: str) -> dict[str, str]:
    """providers("aws", "azure", ...) in the order L1, L2, hot, cold, archive, L4, L5."""
    return dict(zip(LAYER_KEYS, clouds, strict=True))


# Variants that, with the two examples, put every Azure bridge role (sender and receiver of
# every bridge of docs/design.md §4) on an Azure stack at least once.
VARIANTS = {
    # L1→L2 send, hot→cold recv, cold→archive send, L2→L4 twin recv, hot→L4 send
    "az-l1-cold-l4": providers("azure", "aws", "aws", "azure", "aws", "azure", "azure"),
    # L2→hot recv, L2→L4 twin recv
    "az-storage-twin": providers("aws", "aws", "azure", "azure", "azure", "azure", "azure"),
    # L2→hot send, hot→L4 send
    "az-l1-l2-l4": providers("azure", "azure", "aws", "aws", "aws", "azure", "azure"),
}

@pytest.fixture(scope="session")
def azure_example() -> Synthesized:
    return synthesize_example(AZURE_EXAMPLE.name)


@pytest.fixture(scope="session")
def mixed_example() -> Synthesized:
    return synthesize_example(MIXED_EXAMPLE.name)


@pytest.fixture(scope="session")
def variant(tmp_path_factory):
    """variant(name) -> Synthesized: the AWS example with VARIANTS[name] providers, no events (shared cache)."""

    @functools.cache
    def run(name: str) -> Synthesized:
        project = write_project(tmp_path_factory.mktemp(f"azure-{name}") / "project", VARIANTS[name], **WITHOUT_EVENTS)
        return synthesize_project(project)

    return run


def tf_text(synth: Synthesized, stack: str) -> str:
    return json.dumps(synth.terraform(stack))


def resources(synth: Synthesized, stack: str, kind: str) -> dict:
    return synth.terraform(stack).get("resource", {}).get(kind, {})
