"""L3 cold/archive on Azure: a storage account whose blobs move between access tiers natively.

Why lifecycle management instead of a mover: when the cold and archive layers are both on Azure
the archive step is a tier change of the same blob (Cool → Archive), which a management policy
does without code, retries or egress. The account is owned by the archive stack (deployed first);
the cold stack adds its `cold` container to it. Blobs are written at their tier by the writers
and movers (`x-ms-access-tier: Cool`/`Archive`), so nothing sits in the Hot tier.
"""

from __future__ import annotations

from typing import Any

from dataclasses import dataclass

from constructs import Construct

from constructs_lib.azure import roles
from constructs_lib.azure.placement import AzurePlacement
from constructs_lib.azure.storage_account import storage_account

COLD_CONTAINER = "cold"
ARCHIVE_CONTAINER = "archive"


@dataclass(frozen=True)
class BlobTierStoreProps:
    placement: AzurePlacement
    # When set, blobs under `cold/` move to the Archive tier after this many days (cold+archive on Azure).
    archive_cold_after_days: int | None = None


class BlobTierStore(Construct):
    """Exposes `account` and `blob_endpoint`; `container(...)` adds a container, `grant(...)` a writer."""

    def __init__(self, scope: Construct, id: str, props: BlobTierStoreProps) -> None:
        super().__init__(scope, id)
        from cdktn_provider_azurerm.storage_management_policy import StorageManagementPolicy

        self.account = storage_account(
            self,
            "Account",
            name=props.placement.names.storage_account("data"),
            placement=props.placement,
            account_kind="StorageV2",
            access_tier="Cool",
            blob_properties={
                "delete_retention_policy": {"days": 7},
                "container_delete_retention_policy": {"days": 7},
            },
        )
        self.blob_endpoint = self.account.primary_blob_endpoint
        if props.archive_cold_after_days is not None:
            StorageManagementPolicy(
                self,
                "Tiering",
                storage_account_id=self.account.id,
                rule=[
                    {
                        "name": "cold-to-archive",
                        "enabled": True,
                        "filters": {"blobTypes": ["blockBlob"], "prefixMatch": [f"{COLD_CONTAINER}/"]},
                        "actions": {
                            "baseBlob": {
                                "tierToArchiveAfterDaysSinceModificationGreaterThan": props.archive_cold_after_days
                            }
                        },
                    }
                ],
            )


def blob_container(scope: Construct, id: str, *, account_id: str, name: str) -> Any:  # a StorageContainer
    """A private container in a (possibly another stack's) tier store account."""
    from cdktn_provider_azurerm.storage_container import StorageContainer

    return StorageContainer(scope, id, name=name, storage_account_id=account_id, container_access_type="private")


def grant_writer(scope: Construct, id: str, *, container_id: str, principal_id: str) -> None:
    """Read/write/delete blobs of one container (writers and movers), nothing else in the account."""
    roles.grant(scope, id, role=roles.BLOB_DATA_CONTRIBUTOR, principal_id=principal_id, resource_id=container_id)
