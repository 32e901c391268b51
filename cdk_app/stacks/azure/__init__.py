"""Azure layer stacks (CDK Terrain), by layer."""

from __future__ import annotations

from twin_model.config.model import Layer
from twin_model.topology import Part
from cdk_app.stacks.azure.base import AzureLayerStack
from cdk_app.stacks.azure.l1 import AzureIngestionStack
from cdk_app.stacks.azure.l1_feedback import AzureFeedbackStack
from cdk_app.stacks.azure.l2 import AzureProcessingStack
from cdk_app.stacks.azure.l3_archive import AzureArchiveStack
from cdk_app.stacks.azure.l3_cold import AzureColdStack
from cdk_app.stacks.azure.l3_hot import AzureHotStack
from cdk_app.stacks.azure.l4 import AzureTwinStack
from cdk_app.stacks.azure.l5 import AzureDashboardStack

STACKS: dict[Layer, type[AzureLayerStack]] = {
    Layer.L1: AzureIngestionStack,
    Layer.L2: AzureProcessingStack,
    Layer.L3_HOT: AzureHotStack,
    Layer.L3_COLD: AzureColdStack,
    Layer.L3_ARCHIVE: AzureArchiveStack,
    Layer.L4: AzureTwinStack,
    Layer.L5: AzureDashboardStack,
}
PARTS: dict[Part, type[AzureLayerStack]] = {Part.L1_FEEDBACK: AzureFeedbackStack}
