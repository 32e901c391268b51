"""Snapshots of every Azure stack of the two Azure examples (`pytest --snapshot-update` after a
deliberate change). Code bundle hashes are masked: they change with any runtime edit."""

from __future__ import annotations

import re

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from twin_model.config.model import Provider

ASSET_PATH = re.compile(r"assets/([\w-]+)/[0-9A-F]{32}/")


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


def _masked(value):
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item) for item in value]
    if isinstance(value, str):
        return ASSET_PATH.sub(r"assets/\1/<asset-hash>/", value)
    return value


@pytest.mark.parametrize("example", ["azure_example", "mixed_example"])
def test_azure_stacks_match_their_snapshots(example, request, snapshot_json):
    synth = request.getfixturevalue(example)
    for layer in synth.topology.layers_on(Provider.AZURE):
        name = synth.topology.stack_name(layer)
        assert _masked(synth.terraform(name)) == snapshot_json(name=name)
