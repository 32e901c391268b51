"""The sending side of a bridge on Azure: the receiver's token, copied into the layer's Key Vault.

Why copy the token into the layer's vault: Azure functions cannot read AWS Secrets Manager or
another cloud's secret store with their managed identity, but they can read their own vault.
The copy is a Terraform reference (data source or cross-stack output), never a literal; the
function gets the vault secret's name and `KEY_VAULT_URI`.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from constructs_lib.azure.inter_cloud_receiver import vault_secret_name
from constructs_lib.azure.secret_vault import SecretVault


@dataclass(frozen=True)
class InterCloudSenderProps:
    connection_id: str
    token: str  # Terraform reference to the receiver's token (registry data source or cross-stack output)
    vault: SecretVault


class InterCloudSender(Construct):
    """Exposes `token_secret_name` (Key Vault)."""

    def __init__(self, scope: Construct, id: str, props: InterCloudSenderProps) -> None:
        super().__init__(scope, id)
        self.token_secret_name = props.vault.secret(
            self, "VaultToken", name=vault_secret_name(props.connection_id), value=props.token,
            content_type=f"inter-cloud token of {props.connection_id} (copy of the receiver's)",
        )
