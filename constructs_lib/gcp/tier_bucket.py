"""L3 cold and archive on Google: a private GCS bucket whose default class is the tier's class.

Cold is NEARLINE, archive ARCHIVE. When cold and archive are both on Google, GCS moves objects
between classes natively: the cold bucket's lifecycle rule changes an object to ARCHIVE once it
is `cold_storage_size_in_days` old, in place (lifecycle rules cannot move objects between buckets,
and an in-place class change needs no mover, no schedule and no second copy). Objects are mover
payloads of one device and day, large enough for the class minimums to be worth it.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktn_provider_google.storage_bucket import (
    StorageBucket,
    StorageBucketLifecycleRule,
    StorageBucketLifecycleRuleAction,
    StorageBucketLifecycleRuleCondition,
    StorageBucketVersioning,
)
from constructs import Construct


@dataclass(frozen=True)
class ClassChange:
    after_days: int
    storage_class: str  # e.g. "ARCHIVE"


@dataclass(frozen=True)
class TierBucketProps:
    bucket_name: str  # globally unique (constructs_lib.gcp.naming.bucket_name)
    location: str
    storage_class: str  # NEARLINE or ARCHIVE
    class_changes: tuple[ClassChange, ...] = ()
    debug: bool = False


class TierBucket(Construct):
    """Exposes `bucket` and `name`."""

    def __init__(self, scope: Construct, id: str, props: TierBucketProps) -> None:
        super().__init__(scope, id)
        rules = [
            StorageBucketLifecycleRule(
                action=StorageBucketLifecycleRuleAction(type="SetStorageClass", storage_class=change.storage_class),
                condition=StorageBucketLifecycleRuleCondition(
                    age=change.after_days, matches_storage_class=[props.storage_class]
                ),
            )
            for change in props.class_changes
        ]
        # Versioning keeps an overwritten or deleted object recoverable (a retried move rewrites the
        # same key); noncurrent versions are removed after 30 days.
        rules.append(
            StorageBucketLifecycleRule(
                action=StorageBucketLifecycleRuleAction(type="Delete"),
                condition=StorageBucketLifecycleRuleCondition(days_since_noncurrent_time=30, with_state="ARCHIVED"),
            )
        )
        self.bucket = StorageBucket(
            self,
            "Bucket",
            name=props.bucket_name,
            location=props.location,
            storage_class=props.storage_class,
            uniform_bucket_level_access=True,
            public_access_prevention="enforced",
            versioning=StorageBucketVersioning(enabled=True),
            force_destroy=props.debug,
            lifecycle_rule=rules,
        )
        self.name = self.bucket.name
