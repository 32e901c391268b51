"""What IoT Hub needs once for a fleet of any size: the blob container of its bulk import and
export jobs, and two enrollment keys every device's keys are derived from (docs/design.md §7a).

The hub's managed identity reads and writes the container (`storageAuthenticationType:
identityBased`: the twin's storage accounts take Entra ID only), as does the deployer, who runs
the azure-device-identities step. The keys are 32 random bytes made at deploy time
(`random_bytes`, base64, as Device Provisioning Service group keys are), stored by the stack in
its Key Vault: they are in no synthesized file.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from constructs_lib.azure import roles

CONTAINER = "device-identities"
KEY_BYTES = 32


@dataclass(frozen=True)
class DeviceEnrollmentProps:
    storage_account_id: str  # the layer's storage account
    hub_principal_id: str  # the hub's system-assigned identity
    deployer_object_id: str


class DeviceEnrollment(Construct):
    """Exposes `container` and `keys` (primary, secondary: Terraform references to base64 keys)."""

    def __init__(self, scope: Construct, id: str, props: DeviceEnrollmentProps) -> None:
        super().__init__(scope, id)
        from cdktn_provider_azurerm.storage_container import StorageContainer
        from cdktn_provider_random.bytes import Bytes

        self.container = StorageContainer(self, "Jobs", name=CONTAINER, storage_account_id=props.storage_account_id,
                                          container_access_type="private")
        roles.grant(self, "HubRunsJobs", role=roles.BLOB_DATA_CONTRIBUTOR, principal_id=props.hub_principal_id,
                    resource_id=self.container.id)
        roles.grant(self, "DeployerWritesJobs", role=roles.BLOB_DATA_CONTRIBUTOR, principal_id=props.deployer_object_id,
                    resource_id=self.container.id)
        self.keys = tuple(Bytes(self, f"{which}Key", length=KEY_BYTES).base64 for which in ("Primary", "Secondary"))
