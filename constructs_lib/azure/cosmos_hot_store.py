"""L3 hot on Azure: a serverless Cosmos DB container keyed like every hot store (docs/design.md §6).

Why these settings: partition key `/device_id` keeps a device's history in one logical partition
(every reader query is single-partition); serverless bills per request and costs nothing idle;
local (key) authentication is off, so only Entra identities with a data-plane role get in.
TTL: the container's default TTL is the hot retention plus a grace period; the hot→cold mover
moves records older than the retention first, the TTL is the backstop (Cosmos TTL deletes do not
reach the change feed, so expiry alone could not feed the cold tier).
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from constructs_lib.azure import roles
from constructs_lib.azure.placement import AzurePlacement
from twin_contract.azure_names import COSMOS_CONTAINER, COSMOS_DATABASE, cosmos_account_name

CONTAINER = COSMOS_CONTAINER
PARTITION_KEY = "/device_id"
MOVER_GRACE_DAYS = 2


@dataclass(frozen=True)
class CosmosHotStoreProps:
    placement: AzurePlacement
    retention_days: int


class CosmosHotStore(Construct):
    """Exposes `account`, `database_name`, `container_name`, `endpoint`; `grant(...)` adds data-plane roles."""

    def __init__(self, scope: Construct, id: str, props: CosmosHotStoreProps) -> None:
        super().__init__(scope, id)
        from cdktn_provider_azurerm.cosmosdb_account import CosmosdbAccount
        from cdktn_provider_azurerm.cosmosdb_sql_container import CosmosdbSqlContainer
        from cdktn_provider_azurerm.cosmosdb_sql_database import CosmosdbSqlDatabase

        placement = props.placement
        self._resource_group_name = placement.resource_group_name
        self.account = CosmosdbAccount(
            self,
            "Account",
            name=cosmos_account_name(placement.names),
            **placement.resource_args(),
            offer_type="Standard",
            kind="GlobalDocumentDB",
            consistency_policy={"consistency_level": "Session"},
            geo_location=[{"location": placement.location, "failoverPriority": 0}],
            capabilities=[{"name": "EnableServerless"}],
            local_authentication_enabled=False,
            access_key_metadata_writes_enabled=False,
            minimal_tls_version="Tls12",
        )
        database = CosmosdbSqlDatabase(
            self, "Database", name=COSMOS_DATABASE, resource_group_name=placement.resource_group_name,
            account_name=self.account.name,
        )
        self.container = CosmosdbSqlContainer(
            self,
            "Container",
            name=CONTAINER,
            resource_group_name=placement.resource_group_name,
            account_name=self.account.name,
            database_name=database.name,
            partition_key_paths=[PARTITION_KEY],
            partition_key_version=2,
            default_ttl=(props.retention_days + MOVER_GRACE_DAYS) * 86400,
            indexing_policy={
                "indexing_mode": "consistent",
                "included_path": [{"path": "/device_id/?"}, {"path": "/timestamp/?"}],
                "excluded_path": [{"path": "/*"}],
            },
        )
        self.database_name = database.name
        self.container_name = CONTAINER
        self.endpoint = self.account.endpoint
        # The functions touch this one container only (runtime/azure/cosmos_store.py): data-plane
        # roles are scoped to it, not to the account (references keep the grant after the container).
        self.container_scope = f"{self.account.id}/dbs/{database.name}/colls/{self.container.name}"

    def grant(self, scope: Construct, id: str, principal_id: str, *, write: bool) -> None:
        """Data-plane access for `principal_id` (Built-in Data Contributor or Reader) on the hot container only."""
        from cdktn_provider_azurerm.cosmosdb_sql_role_assignment import CosmosdbSqlRoleAssignment

        role = roles.COSMOS_DATA_CONTRIBUTOR_ID if write else roles.COSMOS_DATA_READER_ID
        CosmosdbSqlRoleAssignment(
            scope,
            id,
            resource_group_name=self._resource_group_name,
            account_name=self.account.name,
            role_definition_id=f"{self.account.id}/sqlRoleDefinitions/{role}",
            principal_id=principal_id,
            scope=self.container_scope,
        )
