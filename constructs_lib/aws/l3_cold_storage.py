"""Cold storage: a hardened bucket of `STANDARD_IA` objects, archived natively when archive is on AWS.

S3 cannot lifecycle-transition an object into another bucket, and the archive layer is its own
bucket (its own stack, possibly its own cloud). So when both tiers are on AWS, S3 Replication copies
every new cold object into the archive bucket as `DEEP_ARCHIVE` on arrival, and a lifecycle rule
expires the cold copy after `cold_storage_size_in_days`: data is served from cold during the cold
window and lives in archive for good. No mover, no schedule, nothing to retry; the extra cost is
the archive copy during the cold window at Deep Archive prices. No lifecycle *transition* is used,
so S3's 128 KB minimum object size for transitions does not apply; the hot→cold mover still
writes one object per device and day per batch to keep request and minimum-size charges low.

Replication needs versioning on both buckets; expiring a versioned object leaves a delete marker
(not replicated, so the archive copy stays), which the second rule cleans up with the old version.

When archive is on another cloud, the cold→archive forwarder (l3_cold_to_archive_forwarder) sends
each new object to the remote archive writer on arrival, the same archive-on-write behaviour, and
the cold copy expires after the same window (unversioned: no replication).
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_s3 as s3
from constructs import Construct

from constructs_lib.aws.l3_hardened_bucket import HardenedBucket, HardenedBucketProps
from constructs_lib.aws.nag import acknowledge_wildcard_resources


@dataclass(frozen=True)
class ColdStorageProps:
    cold_storage_days: int
    debug: bool
    archive_bucket: s3.IBucket | None = None  # set when archive is on AWS too
    archived_remotely: bool = False  # archive on another cloud, fed by the cold→archive forwarder

    def __post_init__(self) -> None:
        if self.archive_bucket is not None and self.archived_remotely:
            raise ValueError("cold storage is archived either on AWS (archive_bucket) or remotely, not both")


class ColdStorage(Construct):
    """Exposes `bucket`."""

    def __init__(self, scope: Construct, id: str, props: ColdStorageProps) -> None:
        super().__init__(scope, id)
        archived_natively = props.archive_bucket is not None
        lifecycle_rules: tuple[s3.LifecycleRule, ...] = ()
        replication_rules: tuple[s3.ReplicationRule, ...] = ()
        if archived_natively:
            replication_rules = (
                s3.ReplicationRule(
                    id="ArchiveEveryObject",
                    destination=props.archive_bucket,
                    storage_class=s3.StorageClass.DEEP_ARCHIVE,
                    delete_marker_replication=False,
                    priority=0,
                ),
            )
            lifecycle_rules = (
                s3.LifecycleRule(
                    id="ExpireAfterColdWindow",
                    expiration=Duration.days(props.cold_storage_days),
                    noncurrent_version_expiration=Duration.days(1),
                ),
                s3.LifecycleRule(id="RemoveExpiredDeleteMarkers", expired_object_delete_marker=True),
            )
        elif props.archived_remotely:
            lifecycle_rules = (
                s3.LifecycleRule(id="ExpireAfterColdWindow", expiration=Duration.days(props.cold_storage_days)),
            )
        self.bucket = HardenedBucket(
            self,
            "Storage",
            HardenedBucketProps(
                debug=props.debug,
                versioned=archived_natively,
                lifecycle_rules=lifecycle_rules,
                replication_rules=replication_rules,
            ),
        ).bucket
        if archived_natively and props.archive_bucket is not None:
            acknowledge_wildcard_resources(
                self,
                [self.bucket.arn_for_objects("*"), props.archive_bucket.arn_for_objects("*")],
                "S3 Replication reads every object version of the cold bucket and writes its replica in the "
                "archive bucket; the role CDK makes for it is limited to these two buckets",
            )
