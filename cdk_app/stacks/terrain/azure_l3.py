"""L3 storage stacks on Azure: hot (Cosmos DB + readers), cold and archive (Blob tiers)."""

from __future__ import annotations

from cdk_app.config.model import Layer, Provider
from cdk_app.stacks.terrain.azure import AzureLayerStack
from cdk_app.topology import BridgeKind
from constructs_lib.azure.blob_tier_store import (
    ARCHIVE_CONTAINER,
    COLD_CONTAINER,
    BlobTierStore,
    BlobTierStoreProps,
    blob_container,
    grant_writer,
)
from constructs_lib.azure.cosmos_hot_store import CosmosHotStore, CosmosHotStoreProps
from constructs_lib.azure.inter_cloud_receiver import vault_secret_name
from twin_contract.registry import LAST_ENTRY_URL_KEY, URL_KEY

DASHBOARD_READER_SECRET = "dashboard-reader-token"


class AzureArchiveStack(AzureLayerStack):
    """The archive tier: the tier store account (shared with an Azure cold tier) and its policy.

    Cold on Azure: the account's lifecycle policy moves `cold/` blobs to the Archive tier after
    `cold_storage_size_in_days` (no mover). Cold elsewhere: an `archive` container and the archive
    writer receiving mover payloads from the cold cloud's cold→archive mover.
    """

    def __init__(self, scope, ctx, **kwargs) -> None:
        super().__init__(scope, ctx, **kwargs)
        cold_here = self.topology.cloud(Layer.L3_COLD) is Provider.AZURE
        self.store = BlobTierStore(
            self,
            "Tiers",
            BlobTierStoreProps(
                self.names,
                self.location,
                self.resource_group.name,
                archive_cold_after_days=self.config.twin.cold_storage_size_in_days if cold_here else None,
                tags=self.tags,
            ),
        )
        bridge = self.bridge(BridgeKind.COLD_TO_ARCHIVE)
        if bridge is not None:
            container = blob_container(self, "Archive", account_id=self.store.account.id, name=ARCHIVE_CONTAINER)
            grant_writer(self, "WriterArchive", container_id=container.id, principal_id=self.identity.principal_id)
            host = self.add_function_host(
                ("archive_writer",),
                {
                    "INBOUND_TOKEN_SECRET": vault_secret_name(bridge.connection_id),
                    "ARCHIVE_CONTAINER_URL": f"{self.store.blob_endpoint}{ARCHIVE_CONTAINER}",
                },
            )
            self.add_receiver(bridge, {URL_KEY: host.function_url("archive-writer")})


class AzureColdStack(AzureLayerStack):
    """The cold tier: a `cold` container (Cool tier); its writer when the hot tier is elsewhere;
    the cold→archive mover when the archive tier is elsewhere."""

    def __init__(self, scope, ctx, **kwargs) -> None:
        super().__init__(scope, ctx, **kwargs)
        archive = self.built_azure(Layer.L3_ARCHIVE)
        if archive is not None:  # both tiers on Azure: one account, tiering by lifecycle policy
            account_id, blob_endpoint = archive.store.account.id, archive.store.blob_endpoint
        else:
            self.store = BlobTierStore(
                self, "Tiers", BlobTierStoreProps(self.names, self.location, self.resource_group.name, tags=self.tags)
            )
            account_id, blob_endpoint = self.store.account.id, self.store.blob_endpoint
        self.container = blob_container(self, "Cold", account_id=account_id, name=COLD_CONTAINER)
        self.container_url = f"{blob_endpoint}{COLD_CONTAINER}"
        receiving = self.bridge(BridgeKind.HOT_TO_COLD)
        sending = self.bridge(BridgeKind.COLD_TO_ARCHIVE)
        if receiving is None and sending is None:
            return  # the hot tier's mover writes here directly; tiering is native
        grant_writer(self, "FunctionsCold", container_id=self.container.id, principal_id=self.identity.principal_id)
        functions, settings = [], {"COLD_CONTAINER_URL": self.container_url}
        if receiving is not None:
            functions.append("cold_writer")
            settings["INBOUND_TOKEN_SECRET"] = vault_secret_name(receiving.connection_id)
        sender = None
        if sending is not None:
            functions.append("cold_to_archive")
            sender = self.add_sender(sending)
            settings.update(sender.settings())
            settings["COLD_RETENTION_DAYS"] = str(self.config.twin.cold_storage_size_in_days)
        host = self.add_function_host(tuple(functions), settings)
        if receiving is not None:
            self.add_receiver(receiving, {URL_KEY: host.function_url("cold-writer")})


class AzureHotStack(AzureLayerStack):
    """The hot tier: Cosmos DB, the hot readers, the hot→cold mover, and bridge receivers.

    Readers always check a token: the L3→L4 bridge token when L4 is elsewhere, otherwise a
    dashboard reader token (for Grafana on L5) generated here.
    """

    def __init__(self, scope, ctx, **kwargs) -> None:
        super().__init__(scope, ctx, **kwargs)
        from cdktn_provider_random.password import Password

        twin = self.config.twin
        self.hot_store = CosmosHotStore(
            self,
            "Hot",
            CosmosHotStoreProps(self.names, self.location, self.resource_group.name, twin.hot_storage_size_in_days,
                                tags=self.tags),
        )
        self.hot_store.grant(self, "FunctionsCosmos", self.identity.principal_id, write=True)
        settings = {
            "COSMOS_ENDPOINT": self.hot_store.endpoint,
            "COSMOS_DATABASE": self.hot_store.database_name,
            "COSMOS_CONTAINER": self.hot_store.container_name,
            "HOT_RETENTION_DAYS": str(twin.hot_storage_size_in_days),
        }
        functions = ["hot_reader", "hot_to_cold"]
        reader_bridge = self.bridge(BridgeKind.HOT_TO_L4_READER)
        vault = self.ensure_vault()
        if reader_bridge is not None:
            settings["INBOUND_TOKEN_SECRET"] = vault_secret_name(reader_bridge.connection_id)
        else:
            token = Password(self, "DashboardReaderToken", length=48, special=False)
            settings["INBOUND_TOKEN_SECRET"] = vault.secret(
                self, "DashboardReaderSecret", name=DASHBOARD_READER_SECRET, value=token.result,
                content_type="token of the hot reader for dashboards (L5)",
            )
        writer_bridge = self.bridge(BridgeKind.L2_TO_HOT)
        if writer_bridge is not None:
            functions.append("hot_writer")
            settings["WRITER_TOKEN_SECRET"] = vault_secret_name(writer_bridge.connection_id)
        cold_bridge = self.bridge(BridgeKind.HOT_TO_COLD)
        if cold_bridge is not None:
            settings.update(self.add_sender(cold_bridge).settings())
        else:
            cold = self.built_azure(Layer.L3_COLD)
            grant_writer(self, "MoverWritesCold", container_id=cold.container.id, principal_id=self.identity.principal_id)
            settings["COLD_CONTAINER_URL"] = cold.container_url
        host = self.add_function_host(tuple(functions), settings)
        self.reader_url = host.function_url("hot-reader")
        self.last_entry_url = host.function_url("hot-reader-last-entry")
        if reader_bridge is not None:
            self.add_receiver(reader_bridge, {URL_KEY: self.reader_url, LAST_ENTRY_URL_KEY: self.last_entry_url})
        if writer_bridge is not None:
            self.add_receiver(writer_bridge, {URL_KEY: host.function_url("hot-writer")})

    def grant_reader(self, scope, id: str, principal_id: str) -> None:
        self.hot_store.grant(scope, id, principal_id, write=False)

