"""The twin's 3D Scenes Studio storage: a container the studio reads from the browser.

3D Scenes Studio (explorer.digitaltwins.azure.net) loads `3DScenesConfiguration.json` and the
models it names straight from a blob container, with the signed-in user's Entra ID token, so the
account allows the studio's origin (CORS) and nothing public. The files are uploaded by the
`azure-digital-twins` post-deploy step (blobs are data, like the twins); the deployer, who
uploads them, gets Storage Blob Data Contributor on the container only.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from constructs_lib.azure import roles
from constructs_lib.azure.placement import AzurePlacement
from constructs_lib.azure.storage_account import storage_account

CONTAINER = "3dscenes"
STUDIO_ORIGIN = "https://explorer.digitaltwins.azure.net"


@dataclass(frozen=True)
class SceneStorageProps:
    placement: AzurePlacement
    uploader_principal_id: str  # the deployer: it uploads the scene files


class SceneStorage(Construct):
    """Exposes `container_url` (what the studio is pointed at) and `container_id`."""

    def __init__(self, scope: Construct, id: str, props: SceneStorageProps) -> None:
        super().__init__(scope, id)
        from cdktn_provider_azurerm.storage_account import StorageAccountBlobPropertiesCorsRule
        from cdktn_provider_azurerm.storage_container import StorageContainer

        account = storage_account(
            self,
            "Account",
            name=props.placement.names.storage_account("scene"),
            placement=props.placement,
            account_kind="StorageV2",
            blob_properties={
                "delete_retention_policy": {"days": 7},
                "container_delete_retention_policy": {"days": 7},
                "cors_rule": [
                    StorageAccountBlobPropertiesCorsRule(
                        allowed_origins=[STUDIO_ORIGIN],
                        allowed_methods=["GET", "HEAD", "OPTIONS", "PUT"],
                        allowed_headers=["*"],
                        exposed_headers=["*"],
                        max_age_in_seconds=3600,
                    )
                ],
            },
        )
        container = StorageContainer(
            self, "Container", name=CONTAINER, storage_account_id=account.id, container_access_type="private"
        )
        self.container_id = container.id
        self.container_url = f"{account.primary_blob_endpoint}{CONTAINER}"
        roles.grant(self, "Uploader", role=roles.BLOB_DATA_CONTRIBUTOR,
                    principal_id=props.uploader_principal_id, resource_id=container.id)
