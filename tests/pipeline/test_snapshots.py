"""Snapshots of the pipeline stack of an all-AWS, a mixed and a no-AWS twin (`pytest
--snapshot-update` after a deliberate change; review the diff). Asset hashes are masked."""

from __future__ import annotations

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from tests.snapshot_utils import asset_hash_matcher


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("twin", ["all_aws", "mixed", "no_aws"])
def test_pipeline_stack_matches_its_snapshot(twin, request, snapshot_json):
    assert request.getfixturevalue(twin).template == snapshot_json(matcher=asset_hash_matcher)
