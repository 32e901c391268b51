"""Google Cloud layer stacks (CDK Terrain), by layer. L4 and L5 have no Google service
(twin_model/clouds.py says why; the configuration refuses them)."""

from __future__ import annotations

from twin_model.config.model import Layer
from twin_model.topology import Part
from cdk_app.stacks.gcp.base import GcpLayerStack
from cdk_app.stacks.gcp.l1 import GcpL1Stack
from cdk_app.stacks.gcp.l1_feedback import GcpFeedbackStack
from cdk_app.stacks.gcp.l2 import GcpL2Stack
from cdk_app.stacks.gcp.l3_archive import GcpL3ArchiveStack
from cdk_app.stacks.gcp.l3_cold import GcpL3ColdStack
from cdk_app.stacks.gcp.l3_hot import GcpL3HotStack

STACKS: dict[Layer, type[GcpLayerStack]] = {
    Layer.L1: GcpL1Stack,
    Layer.L2: GcpL2Stack,
    Layer.L3_HOT: GcpL3HotStack,
    Layer.L3_COLD: GcpL3ColdStack,
    Layer.L3_ARCHIVE: GcpL3ArchiveStack,
}
PARTS: dict[Part, type[GcpLayerStack]] = {Part.L1_FEEDBACK: GcpFeedbackStack}
