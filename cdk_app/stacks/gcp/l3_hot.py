"""L3 hot on Google: Firestore with readers and writer, and the scheduled hot→cold mover.

Without a cold tier there is no mover: records expire by their TTL. The mover exists even with
cold on Google: Firestore has no TTL change stream to hang native code on (docs/gcp.md).
Receivers (writer, readers) exist only where the sender is elsewhere.
"""

from __future__ import annotations

from typing import Any

from cdktn import TerraformOutput
from constructs import Construct

from twin_model.config.model import Layer
from cdk_app.stacks.gcp.base import GcpLayerStack
from cdk_app.stacks.gcp.outputs import GcpColdOutputs, GcpHotOutputs
from constructs_lib.gcp.firestore_hot_store import FirestoreHotStore, FirestoreHotStoreProps
from constructs_lib.gcp.grants import custom_role, grant_bucket
from constructs_lib.gcp.layer_service_account import ProjectRole
from constructs_lib.gcp.twin_function import TwinFunction
from twin_contract import functions as contract
from twin_contract.gcp_names import HOT_COLLECTION, hot_database_name
from twin_contract.registry import LAST_ENTRY_URL_KEY, URL_KEY
from cdk_app.stacks.context import LayerContext
from cdk_app.stacks.terraform.terraform_settings import TerraformSettings

# The hot→cold mover only uploads (runtime/gcp/object_storage.put_payload): it never reads or lists.
# Its object keys are content-derived, so a retried move (delivered, but the Firestore delete
# failed) uploads the same key again, and replacing an object needs storage.objects.delete too:
# roles/storage.objectCreator alone would fail every retry with 403. No predefined role is exactly
# create + delete, hence a custom role (no get, list, update or restore).
COLD_OBJECT_WRITER_PERMISSIONS = ("storage.objects.create", "storage.objects.delete")


class GcpL3HotStack(GcpLayerStack):
    """Holds `store` (FirestoreHotStore), `hot_reader`, `hot_reader_last_entry`, `hot_writer`, `mover`, and
    `dashboard_reader`, `dashboard_reader_last_entry` for Grafana off the twin's cloud."""

    APIS = ("firestore.googleapis.com", "storage.googleapis.com")

    def project_roles(self) -> tuple[ProjectRole, ...]:
        # Firestore has no resource-level IAM: the project role, limited to the twin's database
        # (its name is fixed at synth, so the condition needs no reference to the resource).
        database = hot_database_name(self.twin)
        return (
            ProjectRole(
                "roles/datastore.user", "hot-database-only", f'resource.name.endsWith("/databases/{database}")'
            ),
        )

    def __init__(self, scope: Construct, ctx: LayerContext, **kwargs: TerraformSettings) -> None:
        super().__init__(scope, ctx, **kwargs)
        config, topology = ctx.config, ctx.topology
        self.hot_writer = self.hot_reader = self.hot_reader_last_entry = None
        self.dashboard_reader = self.dashboard_reader_last_entry = None
        self.store = FirestoreHotStore(
            self,
            "Store",
            FirestoreHotStoreProps(
                database_name=hot_database_name(self.twin), collection=HOT_COLLECTION, location=self.region, debug=self.debug
            ),
        )
        store_env = {contract.HOT_DATABASE: self.store.database_name, contract.HOT_COLLECTION: HOT_COLLECTION}
        retention = str(config.twin.hot_storage_size_in_days)

        writer_bridge = self.bridges.inbound(contract.HOT_WRITER)  # L2 on another cloud
        if writer_bridge is not None:
            self.hot_writer = self.function(
                "HotWriter",
                "hot-writer",
                public=True,
                environment={
                    **store_env, contract.HOT_RETENTION_DAYS: retention,
                    contract.INBOUND_TOKEN_SECRET: self.bridges.inbound_token(contract.HOT_WRITER),
                },
                description=f"Stores telemetry sent from {writer_bridge.sender_cloud.value} ({writer_bridge.connection_id})",
            )
            self.bridges.bind_receiver(contract.HOT_WRITER, {URL_KEY: self.hot_writer.url})

        if self.bridges.inbound(contract.HOT_READER):  # L4 on another cloud
            reader_env = {**store_env, contract.INBOUND_TOKEN_SECRET: self.bridges.inbound_token(contract.HOT_READER)}
            self.hot_reader = self.function(
                "HotReader", "hot-reader", public=True, environment=reader_env, description="Range reads of the hot store for the twin"
            )
            self.hot_reader_last_entry = self.function(
                "HotReaderLastEntry",
                "hot-reader-last-entry",
                public=True,
                environment=reader_env,
                description="Newest record of a device for the twin",
            )
            self.bridges.bind_receiver(
                contract.HOT_READER, {URL_KEY: self.hot_reader.url, LAST_ENTRY_URL_KEY: self.hot_reader_last_entry.url}
            )

        dashboard_bridge = self.bridges.inbound(contract.DASHBOARD_READER)
        if dashboard_bridge is not None:  # Grafana not on the twin's cloud: readers with a token of their own
            dashboard_env = {**store_env, contract.INBOUND_TOKEN_SECRET: self.bridges.inbound_token(contract.DASHBOARD_READER)}
            self.dashboard_reader = self.function(
                "DashboardReader", "dashboard-reader", entry_point="hot_reader", public=True, environment=dashboard_env,
                description=f"Range reads of the hot store for dashboards on {dashboard_bridge.sender_cloud.value}",
            )
            self.dashboard_reader_last_entry = self.function(
                "DashboardReaderLastEntry", "dashboard-reader-last-entry", entry_point="hot_reader_last_entry",
                public=True, environment=dashboard_env,
                description=f"Newest record of a device for dashboards on {dashboard_bridge.sender_cloud.value}",
            )
            self.bridges.bind_receiver(
                contract.DASHBOARD_READER,
                {URL_KEY: self.dashboard_reader.url, LAST_ENTRY_URL_KEY: self.dashboard_reader_last_entry.url},
            )

        self.mover = None
        if topology.placed(Layer.L3_COLD):  # no cold tier: records expire by their TTL, nothing moves them
            self.mover = self._hot_to_cold_mover(store_env, retention)
        TerraformOutput(self, "hot_database", value=self.store.database_name)
        self.outputs = GcpHotOutputs(store=self.store, endpoints=dict(self.bridges.published))

    def _hot_to_cold_mover(self, store_env: dict[str, Any], retention: str) -> TwinFunction:
        if not self.bridges.reaches(Layer.L3_COLD):  # else the mover's bridge reaches it
            cold = self.require(Layer.L3_COLD, GcpColdOutputs)
            writer = custom_role(
                self,
                "ColdObjectWriterRole",
                project=self.settings.gcp_project,
                role_id=self.name("cold-object-writer", 64).replace("-", "_"),
                title=f"{self.twin} hot-to-cold mover: write cold objects"[:100],
                description="Upload and replace objects only: no read, list or metadata update",
                permissions=COLD_OBJECT_WRITER_PERMISSIONS,
            )
            grant_bucket(self, "MoverMayWriteCold", bucket=cold.bucket_name, role=writer, member=self.account.member)
            mover_env = {contract.COLD_BUCKET_NAME: cold.bucket_name}
        else:
            mover_env = {}
            self.bridges.bind_sender(contract.HOT_TO_COLD, mover_env)
        return self.scheduled_mover(
            "HotToCold",
            "hot-to-cold",
            {**store_env, contract.HOT_RETENTION_DAYS: retention, **mover_env},
            "Moves records past the hot window to the cold tier",
        )
