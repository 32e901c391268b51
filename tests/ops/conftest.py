"""Fixtures of the operator-command tests: the bundled examples synthesized once per session
(shared with the stack tests' caches when they run in the same session)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def synthesized_examples(tmp_path_factory, example):
    """Example name → what its synth wrote (CDK assembly and/or Terraform JSON)."""
    from tests.azure import conftest as azure
    from tests.gcp.synth import synth_variant

    return {
        "factory-floor": example,
        "factory-floor-aws-azure": azure._synth("mixed", azure.MIXED_EXAMPLE, tmp_path_factory),
        "factory-floor-azure": azure._synth("example", azure.AZURE_EXAMPLE, tmp_path_factory),
        "factory-floor-gcp": synth_variant("example", tmp_path_factory),
    }
