"""A layer's Key Vault: inter-cloud tokens and settings that other stacks publish to this layer.

Why Key Vault and not app settings: a token in an app setting is readable by anyone with
read access to the app's configuration and lands in every synthesized file that sets it.
Functions get the vault URI and a secret NAME and read the value at run time with the layer's
managed identity (`runtime/azure/keyvault.py`, cached). RBAC authorization: the layer identity
gets Secrets User (read) only, the deploying principal Secrets Officer (write).
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from constructs_lib.azure import roles
from constructs_lib.azure.placement import AzurePlacement

SOFT_DELETE_DAYS = 7


@dataclass(frozen=True)
class SecretVaultProps:
    placement: AzurePlacement
    tenant_id: str
    deployer_object_id: str  # the principal running `terraform apply` (writes the secrets)
    reader_principal_id: str  # the layer's managed identity
    purge_protection: bool  # PRODUCTION: on; DEBUG: off so a destroyed twin's name is reusable


class SecretVault(Construct):
    """Exposes `vault`, `vault_uri`; `secret(id, name, value)` adds a secret after the grants exist."""

    def __init__(self, scope: Construct, id: str, props: SecretVaultProps) -> None:
        super().__init__(scope, id)
        from cdktn_provider_azurerm.key_vault import KeyVault

        self.vault = KeyVault(
            self,
            "Vault",
            name=props.placement.names.key_vault(),
            **props.placement.resource_args(),
            tenant_id=props.tenant_id,
            sku_name="standard",
            rbac_authorization_enabled=True,
            purge_protection_enabled=props.purge_protection,
            soft_delete_retention_days=SOFT_DELETE_DAYS,
        )
        self.vault_uri = self.vault.vault_uri
        self._writer = roles.grant(
            self, "DeployerWrites", role=roles.KEY_VAULT_SECRETS_OFFICER,
            principal_id=props.deployer_object_id, resource_id=self.vault.id,
        )
        self._writer.add_override("principal_type", None)  # the deployer may be a user or a service principal
        roles.grant(
            self, "LayerReads", role=roles.KEY_VAULT_SECRETS_USER,
            principal_id=props.reader_principal_id, resource_id=self.vault.id,
        )
        self._secrets: dict[str, object] = {}

    def secret(self, scope: Construct, id: str, *, name: str, value: str, content_type: str) -> str:
        """Store `value` (a Terraform reference, never a literal) as secret `name`; returns the name."""
        from cdktn_provider_azurerm.key_vault_secret import KeyVaultSecret

        self._secrets[name] = KeyVaultSecret(
            scope,
            id,
            name=name,
            value=value,
            key_vault_id=self.vault.id,
            content_type=content_type,
            depends_on=[self._writer],
        )
        return name
