"""The blob container of Azure Digital Twins import jobs: the twin graph, loaded as data in bulk.

An import job (Jobs API, docs/design.md §7a) reads one NDJSON file of models, twins and
relationships from a blob and writes its output log to another; the instance reaches both with its
system-assigned identity, so that identity gets Storage Blob Data Contributor (read the input, write
the log) on this one container, and so does the deployer, who runs the azure-digital-twins step
(writes the input, reads the log). Nothing else: no account-wide role, no shared keys, no public
access. Import files and logs are deleted a month after they were written. The container exists
for 10 devices as for 100,000 (the stack must not depend on the fleet); small graphs are loaded per
request and leave it empty.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from constructs_lib.azure import roles
from constructs_lib.azure.placement import AzurePlacement
from constructs_lib.azure.storage_account import storage_account

CONTAINER = "graph-import"
KEEP_DAYS = 30  # an import file and its output log are read during the deploy; kept a month to look into


@dataclass(frozen=True)
class GraphImportStorageProps:
    placement: AzurePlacement
    instance_principal_id: str  # the Azure Digital Twins instance's system-assigned identity
    deployer_object_id: str


class GraphImportStorage(Construct):
    """Exposes `container_url` (https://<account>.blob.core.windows.net/graph-import) and `container_id`."""

    def __init__(self, scope: Construct, id: str, props: GraphImportStorageProps) -> None:
        super().__init__(scope, id)
        from cdktn_provider_azurerm.storage_container import StorageContainer
        from cdktn_provider_azurerm.storage_management_policy import StorageManagementPolicy

        account = storage_account(
            self,
            "Account",
            name=props.placement.names.storage_account("gi"),
            placement=props.placement,
            account_kind="StorageV2",
            blob_properties={"delete_retention_policy": {"days": 7}, "container_delete_retention_policy": {"days": 7}},
        )
        container = StorageContainer(
            self, "Container", name=CONTAINER, storage_account_id=account.id, container_access_type="private"
        )
        StorageManagementPolicy(self, "Expiry", storage_account_id=account.id, rule=[{
            "name": "import-files-expire", "enabled": True,
            "filters": {"blobTypes": ["blockBlob", "appendBlob"], "prefixMatch": [f"{CONTAINER}/"]},
            "actions": {"baseBlob": {"deleteAfterDaysSinceModificationGreaterThan": KEEP_DAYS}},
        }])
        self.container_id = container.id
        self.container_url = f"{account.primary_blob_endpoint}{CONTAINER}"
        roles.grant(self, "InstanceRunsImports", role=roles.BLOB_DATA_CONTRIBUTOR,
                    principal_id=props.instance_principal_id, resource_id=container.id)
        roles.grant(self, "DeployerWritesImports", role=roles.BLOB_DATA_CONTRIBUTOR,
                    principal_id=props.deployer_object_id, resource_id=container.id)
