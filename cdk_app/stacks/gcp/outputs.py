"""What each Google layer stack offers the Terraform stacks deployed after it (cdk_app/stacks/outputs.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from cdk_app.stacks.outputs import LayerOutputs
from constructs_lib.gcp.firestore_hot_store import FirestoreHotStore
from constructs_lib.gcp.twin_function import TwinFunction


@dataclass(frozen=True)
class GcpArchiveOutputs(LayerOutputs):
    """Nothing later layers use on Google (the cold tier changes class in place, see GcpColdStack)."""


@dataclass(frozen=True)
class GcpColdOutputs(LayerOutputs):
    bucket_name: str  # the hot→cold mover writes here


@dataclass(frozen=True)
class GcpHotOutputs(LayerOutputs):
    store: FirestoreHotStore  # the persister writes here


@dataclass(frozen=True)
class GcpProcessingOutputs(LayerOutputs):
    processor: TwinFunction  # the dispatcher calls it when L1 is on Google too
    # device id → feedback subscription name, when L2 sends device feedback
    feedback_subscriptions: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class GcpFeedbackOutputs(LayerOutputs):
    # device id → feedback subscription name: L1 lets the devices' account pull from them
    feedback_subscriptions: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class GcpIngestionOutputs(LayerOutputs):
    """Nothing later layers use."""
