"""Role assignments: the one way our constructs grant an identity access to a resource.

Why a helper: every grant names a built-in role and a scope as narrow as the resource allows
(a queue, a container, a vault), never a subscription or resource-group-wide Owner/Contributor.
"""

from __future__ import annotations

from typing import Any

from constructs import Construct

# Built-in roles used by the twin (data-plane roles only; no management-plane write access).
BLOB_DATA_OWNER = "Storage Blob Data Owner"
BLOB_DATA_CONTRIBUTOR = "Storage Blob Data Contributor"
QUEUE_DATA_CONTRIBUTOR = "Storage Queue Data Contributor"
QUEUE_MESSAGE_SENDER = "Storage Queue Data Message Sender"
TABLE_DATA_CONTRIBUTOR = "Storage Table Data Contributor"
KEY_VAULT_SECRETS_USER = "Key Vault Secrets User"
KEY_VAULT_SECRETS_OFFICER = "Key Vault Secrets Officer"
ADT_DATA_OWNER = "Azure Digital Twins Data Owner"
ADT_DATA_READER = "Azure Digital Twins Data Reader"
IOT_HUB_TWIN_CONTRIBUTOR = "IoT Hub Twin Contributor"
GRAFANA_ADMIN = "Grafana Admin"
MONITORING_READER = "Monitoring Reader"
# Cosmos DB SQL data-plane built-in role definitions (ids are fixed by the service).
COSMOS_DATA_READER_ID = "00000000-0000-0000-0000-000000000001"
COSMOS_DATA_CONTRIBUTOR_ID = "00000000-0000-0000-0000-000000000002"


def grant(scope: Construct, id: str, *, role: str, principal_id: str, resource_id: str) -> Any:  # a RoleAssignment
    from cdktn_provider_azurerm.role_assignment import RoleAssignment

    return RoleAssignment(
        scope,
        id,
        scope=resource_id,
        role_definition_name=role,
        principal_id=principal_id,
        principal_type="ServicePrincipal",
        description=f"digital twin: {role}",
    )
