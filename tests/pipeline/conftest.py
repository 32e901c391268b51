"""The pipeline of an all-AWS, a mixed, a no-AWS and a Google twin, each synthesized once per session."""

from __future__ import annotations

import pytest

from tests.pipeline.synth import ALL_AWS_EXAMPLE, GCP_CONTEXT, GCP_EXAMPLE, MIXED_EXAMPLE, NO_AWS_EXAMPLE, synth_pipeline


@pytest.fixture(scope="session")
def all_aws(tmp_path_factory):
    return synth_pipeline(ALL_AWS_EXAMPLE, tmp_path_factory)


@pytest.fixture(scope="session")
def mixed(tmp_path_factory):
    return synth_pipeline(MIXED_EXAMPLE, tmp_path_factory)


@pytest.fixture(scope="session")
def no_aws(tmp_path_factory):
    return synth_pipeline(NO_AWS_EXAMPLE, tmp_path_factory)


@pytest.fixture(scope="session")
def gcp(tmp_path_factory):
    """L1-L3 on Google, every setting away from its default (with a manual approval)."""
    return synth_pipeline(GCP_EXAMPLE, tmp_path_factory, **GCP_CONTEXT)
