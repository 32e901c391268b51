"""The one shape of the twin's storage accounts: TLS 1.2 over HTTPS only, nothing public, no
shared keys (Entra ID for the functions, their triggers and deployments), soft delete of blobs."""

from __future__ import annotations

from typing import Any

from constructs import Construct

from constructs_lib.azure.placement import AzurePlacement


def storage_account(scope: Construct, id: str, *, name: str, placement: AzurePlacement, **extra: Any) -> Any:  # a StorageAccount
    """A Standard LRS account made in `scope` under `id`; `extra` adds the caller's own settings
    (tier, blob properties)."""
    from cdktn_provider_azurerm.storage_account import StorageAccount

    return StorageAccount(
        scope,
        id,
        name=name,
        **placement.resource_args(),
        account_tier="Standard",
        account_replication_type="LRS",
        min_tls_version="TLS1_2",
        https_traffic_only_enabled=True,
        allow_nested_items_to_be_public=False,
        shared_access_key_enabled=False,
        default_to_oauth_authentication=True,
        **extra,
    )
