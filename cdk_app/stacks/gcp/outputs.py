"""What each Google layer stack offers the Terraform stacks deployed after it (cdk_app/stacks/outputs.py)."""

from __future__ import annotations

from dataclasses import dataclass

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
class DeviceFeedback:
    """What L1 grants on the feedback side: the devices' account pulls `subscription`, and the
    feedback function's account (`reader`) reads the device list."""

    subscription: str
    reader: str


@dataclass(frozen=True)
class GcpHotOutputs(LayerOutputs):
    store: FirestoreHotStore  # the persister writes here


@dataclass(frozen=True)
class GcpProcessingOutputs(LayerOutputs):
    processor: TwinFunction  # the dispatcher calls it when L1 is on Google too
    feedback: DeviceFeedback | None = None  # when L2 sends device feedback


@dataclass(frozen=True)
class GcpFeedbackOutputs(LayerOutputs):
    feedback: DeviceFeedback


@dataclass(frozen=True)
class GcpIngestionOutputs(LayerOutputs):
    """Nothing later layers use."""
