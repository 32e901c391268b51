"""L3 hot on Google: a Firestore database (native mode) keyed like every hot store (docs/design.md §6).

Documents live in one collection, id `<device_id>_<timestamp>_<record_id>`, fields `device_id`,
`timestamp` (the storage key `<timestamp>#<record_id>`, docs/runtime-contract.md), `record_id` and
the properties. The composite indexes serve the reader's queries (equality on `device_id`, range
and order on `timestamp`, both directions). Firestore's TTL policy on the
field `ttl` (a timestamp the writer sets) removes documents the mover has not taken; the `ttl`
field is exempt from single-field indexing, as Firestore advises for TTL fields.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktn_provider_google.firestore_database import FirestoreDatabase
from cdktn_provider_google.firestore_field import FirestoreField, FirestoreFieldTtlConfig
from cdktn_provider_google.firestore_index import FirestoreIndex, FirestoreIndexFields
from constructs import Construct

TTL_FIELD = "ttl"


@dataclass(frozen=True)
class FirestoreHotStoreProps:
    database_name: str  # 4–63 characters, [a-z0-9-]
    collection: str
    location: str
    debug: bool = False


class FirestoreHotStore(Construct):
    """Exposes `database`, `database_name` and `collection`."""

    def __init__(self, scope: Construct, id: str, props: FirestoreHotStoreProps) -> None:
        super().__init__(scope, id)
        self.database = FirestoreDatabase(
            self,
            "Database",
            name=props.database_name,
            location_id=props.location,
            type="FIRESTORE_NATIVE",
            concurrency_mode="OPTIMISTIC",
            point_in_time_recovery_enablement="POINT_IN_TIME_RECOVERY_DISABLED"
            if props.debug
            else "POINT_IN_TIME_RECOVERY_ENABLED",
            delete_protection_state="DELETE_PROTECTION_DISABLED" if props.debug else "DELETE_PROTECTION_ENABLED",
            deletion_policy="DELETE" if props.debug else "ABANDON",
        )
        self.database_name = self.database.name
        self.collection = props.collection
        for direction in ("ASCENDING", "DESCENDING"):
            FirestoreIndex(
                self,
                f"DeviceTime{direction.title()}",
                database=self.database.name,
                collection=props.collection,
                fields=[
                    FirestoreIndexFields(field_path="device_id", order="ASCENDING"),
                    FirestoreIndexFields(field_path="timestamp", order=direction),
                ],
            )
        FirestoreField(
            self,
            "TtlPolicy",
            database=self.database.name,
            collection=props.collection,
            field=TTL_FIELD,
            ttl_config=FirestoreFieldTtlConfig(),
            index_config={},
        )
