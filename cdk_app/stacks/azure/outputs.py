"""What each Azure layer stack offers the Terraform stacks deployed after it (cdk_app/stacks/outputs.py)."""

from __future__ import annotations

from dataclasses import dataclass

from cdk_app.stacks.outputs import LayerOutputs
from constructs_lib.azure.cosmos_hot_store import CosmosHotStore
from constructs_lib.azure.digital_twins import DigitalTwins


@dataclass(frozen=True)
class DashboardSource:
    """The reader endpoints Grafana on Azure reads the twin from (neutral reader queries), and the
    vault secret holding their token."""

    url: str  # range queries
    last_entry_url: str  # latest values
    vault_name: str
    token_secret: str  # secret name in that vault


@dataclass(frozen=True)
class AzureLayerOutputs(LayerOutputs):
    resource_group_id: str  # Grafana (L5) monitors every Azure layer's group
    identity_principal_id: str  # the layer's managed identity, for grants on later layers' resources


@dataclass(frozen=True)
class AzureArchiveOutputs(AzureLayerOutputs):
    account_id: str  # the tier store account, shared with an Azure cold tier
    blob_endpoint: str


@dataclass(frozen=True)
class AzureColdOutputs(AzureLayerOutputs):
    container_id: str  # where the hot→cold mover writes
    container_url: str


@dataclass(frozen=True)
class AzureHotOutputs(AzureLayerOutputs):
    hot_store: CosmosHotStore  # the persister writes here (it grants itself the data role)
    dashboard: DashboardSource


@dataclass(frozen=True)
class AzureTwinOutputs(AzureLayerOutputs):
    twins: DigitalTwins  # the persister updates the twins (it grants itself the data role)
    dashboard: DashboardSource | None  # the Digital Twin Data Connector, when hot is elsewhere


@dataclass(frozen=True)
class AzureProcessingOutputs(AzureLayerOutputs):
    processor_queue_id: str  # the dispatcher enqueues here when L1 is on Azure too
    processor_queue_url: str
    sends_device_feedback: bool  # L1 on Azure lets the identity update device twins


@dataclass(frozen=True)
class AzureFeedbackOutputs(AzureLayerOutputs):
    """The L1 feedback receiver: L1 lets its identity update the hub's device twins."""


@dataclass(frozen=True)
class AzureIngestionOutputs(AzureLayerOutputs):
    """Nothing beyond the group and identity."""


@dataclass(frozen=True)
class AzureDashboardOutputs(AzureLayerOutputs):
    """The last layer: nothing is built after it."""
