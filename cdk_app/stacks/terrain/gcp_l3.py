"""L3 on Google: Firestore hot store with readers and writer, GCS cold and archive tiers, movers.

Movers exist only where data leaves Google for another cloud, or leaves Firestore for GCS (there
is no Firestore TTL change stream to hang native code on); cold → archive on Google is a native
lifecycle class change. Receivers (writers, readers) exist only where the sender is elsewhere.
"""

from __future__ import annotations

from cdktn import TerraformOutput
from cdktn_provider_google.project_iam_custom_role import ProjectIamCustomRole
from cdktn_provider_google.storage_bucket_iam_member import StorageBucketIamMember

from cdk_app.config.model import Layer, Provider
from cdk_app.stacks.terrain.gcp import SCHEDULER_API, GcpLayerStack
from cdk_app.topology import BridgeKind
from constructs_lib.gcp.firestore_hot_store import FirestoreHotStore, FirestoreHotStoreProps
from constructs_lib.gcp.layer_service_account import ProjectRole
from constructs_lib.gcp.mover_schedule import MoverSchedule, MoverScheduleProps
from constructs_lib.gcp.tier_bucket import ClassChange, TierBucket, TierBucketProps
from twin_contract.gcp_names import HOT_COLLECTION, hot_database_name
from twin_contract.registry import LAST_ENTRY_URL_KEY, URL_KEY

OBJECT_USER = "roles/storage.objectUser"  # create, read, overwrite, delete objects; no IAM changes
# The hot→cold mover only uploads (runtime/gcp/object_storage.put_payload): it never reads or lists.
# Its object keys are content-derived, so a retried move (delivered, but the Firestore delete
# failed) uploads the same key again, and replacing an object needs storage.objects.delete too:
# roles/storage.objectCreator alone would fail every retry with 403. No predefined role is exactly
# create + delete, hence a custom role (no get, list, update or restore).
COLD_OBJECT_WRITER_PERMISSIONS = ("storage.objects.create", "storage.objects.delete")
MOVER_MEMORY, MOVER_TIMEOUT = "512M", 540


class GcpL3HotStack(GcpLayerStack):
    """Exposes `store` (FirestoreHotStore), `hot_reader`, `hot_reader_last_entry`, `hot_writer`, `mover`."""

    APIS = ("firestore.googleapis.com", "storage.googleapis.com")

    def project_roles(self) -> tuple[ProjectRole, ...]:
        # Firestore has no resource-level IAM: the project role, limited to the twin's database
        # (its name is fixed at synth, so the condition needs no reference to the resource).
        database = self.name("hot", 63)
        return (
            ProjectRole(
                "roles/datastore.user", "hot-database-only", f'resource.name.endsWith("/databases/{database}")'
            ),
        )

    def build(self) -> None:
        config, topology = self.ctx.config, self.ctx.topology
        self.hot_writer = self.hot_reader = self.hot_reader_last_entry = self.mover = None
        self.store = FirestoreHotStore(
            self,
            "Store",
            FirestoreHotStoreProps(
                database_name=hot_database_name(self.twin), collection=HOT_COLLECTION, location=self.region, debug=self.debug
            ),
        )
        store_env = {"HOT_DATABASE": self.store.database_name, "HOT_COLLECTION": HOT_COLLECTION}
        retention = str(config.twin.hot_storage_size_in_days)

        writer_bridge = topology.bridge(BridgeKind.L2_TO_HOT)
        if writer_bridge is not None:
            token, secret = self.receiver_token(writer_bridge)
            self.hot_writer = self.function(
                "HotWriter",
                "hot-writer",
                public=True,
                environment={**store_env, "HOT_RETENTION_DAYS": retention, "INBOUND_TOKEN_SECRET": secret.name},
                description=f"Stores telemetry sent from {writer_bridge.sender_cloud.value} ({writer_bridge.connection_id})",
            )
            self.publish(writer_bridge, token, ((URL_KEY, self.hot_writer.url),))

        reader_bridge = topology.bridge(BridgeKind.HOT_TO_L4_READER)
        if reader_bridge is not None:
            token, secret = self.receiver_token(reader_bridge)
            reader_env = {**store_env, "INBOUND_TOKEN_SECRET": secret.name}
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
            self.publish(
                reader_bridge,
                token,
                ((URL_KEY, self.hot_reader.url), (LAST_ENTRY_URL_KEY, self.hot_reader_last_entry.url)),
            )

        cold_bridge = topology.bridge(BridgeKind.HOT_TO_COLD)
        if cold_bridge is None:
            cold = self.built[Layer.L3_COLD]
            writer = ProjectIamCustomRole(
                self,
                "ColdObjectWriterRole",
                project=self.settings.gcp_project,
                role_id=self.name("cold-object-writer", 64).replace("-", "_"),
                title=f"{self.twin} hot-to-cold mover: write cold objects"[:100],
                description="Upload and replace objects only: no read, list or metadata update",
                permissions=list(COLD_OBJECT_WRITER_PERMISSIONS),
            )
            StorageBucketIamMember(self, "MoverMayWriteCold", bucket=cold.bucket.name, role=writer.name, member=self.account.member)
            mover_env = {"COLD_BUCKET_NAME": cold.bucket.name}
        else:
            mover_env = self.sender(cold_bridge)
        self.mover = self.function(
            "HotToCold",
            "hot-to-cold",
            environment={**store_env, "HOT_RETENTION_DAYS": retention, **mover_env},
            memory=MOVER_MEMORY,
            timeout_seconds=MOVER_TIMEOUT,
            max_instances=1,
            description="Moves records past the hot window to the cold tier",
            internal_ingress_only=True,  # called by Cloud Scheduler only
        )
        self.require_apis(SCHEDULER_API)
        MoverSchedule(
            self,
            "HotToColdSchedule",
            MoverScheduleProps(
                name=self.name("hot-to-cold"), region=self.region, target_url=self.mover.url, service_account_email=self.account.email
            ),
        )
        TerraformOutput(self, "hot_database", value=self.store.database_name)


class GcpL3ColdStack(GcpLayerStack):
    """Exposes `bucket` (TierBucket, NEARLINE), `cold_writer` and `mover` when they exist."""

    APIS = ("storage.googleapis.com",)

    def build(self) -> None:
        config, topology = self.ctx.config, self.ctx.topology
        self.cold_writer = self.mover = None
        archive_here = topology.cloud(Layer.L3_ARCHIVE) is Provider.GOOGLE
        self.bucket = TierBucket(
            self,
            "Cold",
            TierBucketProps(
                bucket_name=self.bucket_name("cold"),
                location=self.region,
                storage_class="NEARLINE",
                class_changes=(ClassChange(config.twin.cold_storage_size_in_days, "ARCHIVE"),) if archive_here else (),
                debug=self.debug,
            ),
        )
        writer_bridge = topology.bridge(BridgeKind.HOT_TO_COLD)
        archive_bridge = topology.bridge(BridgeKind.COLD_TO_ARCHIVE)
        if writer_bridge is not None or archive_bridge is not None:
            # The writer and the mover run as the layer's account: objects of this bucket only.
            StorageBucketIamMember(self, "LayerMayUseObjects", bucket=self.bucket.name, role=OBJECT_USER, member=self.account.member)

        if writer_bridge is not None:
            token, secret = self.receiver_token(writer_bridge)
            self.cold_writer = self.function(
                "ColdWriter",
                "cold-writer",
                public=True,
                environment={"COLD_BUCKET_NAME": self.bucket.name, "INBOUND_TOKEN_SECRET": secret.name},
                description=f"Stores mover payloads from {writer_bridge.sender_cloud.value} ({writer_bridge.connection_id})",
            )
            self.publish(writer_bridge, token, ((URL_KEY, self.cold_writer.url),))

        if archive_bridge is not None:
            self.mover = self.function(
                "ColdToArchive",
                "cold-to-archive",
                environment={
                    "COLD_BUCKET_NAME": self.bucket.name,
                    "COLD_RETENTION_DAYS": str(config.twin.cold_storage_size_in_days),
                    **self.sender(archive_bridge),
                },
                memory=MOVER_MEMORY,
                timeout_seconds=MOVER_TIMEOUT,
                max_instances=1,
                description="Moves cold objects past the cold window to the archive tier",
                internal_ingress_only=True,  # called by Cloud Scheduler only
            )
            self.require_apis(SCHEDULER_API)
            MoverSchedule(
                self,
                "ColdToArchiveSchedule",
                MoverScheduleProps(
                    name=self.name("cold-to-archive"), region=self.region, target_url=self.mover.url, service_account_email=self.account.email
                ),
            )
        TerraformOutput(self, "cold_bucket", value=self.bucket.name)


class GcpL3ArchiveStack(GcpLayerStack):
    """Exposes `bucket` (TierBucket, ARCHIVE) and `archive_writer` when the cold tier is elsewhere."""

    APIS = ("storage.googleapis.com",)

    def build(self) -> None:
        self.archive_writer = None
        self.bucket = TierBucket(
            self,
            "Archive",
            TierBucketProps(bucket_name=self.bucket_name("archive"), location=self.region, storage_class="ARCHIVE", debug=self.debug),
        )
        writer_bridge = self.ctx.topology.bridge(BridgeKind.COLD_TO_ARCHIVE)
        if writer_bridge is not None:
            StorageBucketIamMember(self, "WriterMayUseObjects", bucket=self.bucket.name, role=OBJECT_USER, member=self.account.member)
            token, secret = self.receiver_token(writer_bridge)
            self.archive_writer = self.function(
                "ArchiveWriter",
                "archive-writer",
                public=True,
                environment={"ARCHIVE_BUCKET_NAME": self.bucket.name, "INBOUND_TOKEN_SECRET": secret.name},
                description=f"Stores mover payloads from {writer_bridge.sender_cloud.value} ({writer_bridge.connection_id})",
            )
            self.publish(writer_bridge, token, ((URL_KEY, self.archive_writer.url),))
        TerraformOutput(self, "archive_bucket", value=self.bucket.name)
