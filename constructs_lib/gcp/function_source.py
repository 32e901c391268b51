"""Function source archives: the staged code bundles, zipped by CDK Terrain and uploaded to GCS.

Cloud Functions gen2 builds from an object in a bucket. The object name carries the asset hash,
so a code change is a new object and Terraform redeploys exactly the functions built from it.
The bucket is private (uniform access, public access prevented); only Cloud Build reads it
through the Cloud Functions service agent.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cdktn import AssetType, TerraformAsset
from cdktn_provider_google.storage_bucket import (
    StorageBucket,
    StorageBucketLifecycleRule,
    StorageBucketLifecycleRuleAction,
    StorageBucketLifecycleRuleCondition,
    StorageBucketSoftDeletePolicy,
    StorageBucketVersioning,
)
from cdktn_provider_google.storage_bucket_object import StorageBucketObject
from constructs import Construct


@dataclass(frozen=True)
class FunctionSourceBucketProps:
    bucket_name: str  # globally unique (constructs_lib.gcp.naming.bucket_name)
    location: str
    debug: bool = False


class FunctionSourceBucket(Construct):
    """Exposes `bucket`; `add_archive(id, path)` uploads one zipped directory and returns its object."""

    def __init__(self, scope: Construct, id: str, props: FunctionSourceBucketProps) -> None:
        super().__init__(scope, id)
        self.bucket = StorageBucket(
            self,
            "Bucket",
            name=props.bucket_name,
            location=props.location,
            uniform_bucket_level_access=True,
            public_access_prevention="enforced",
            force_destroy=props.debug,
            # Old archives are never read again: no soft-delete copies to pay for; versioning guards
            # against an overwritten archive, and superseded versions go after a week.
            soft_delete_policy=StorageBucketSoftDeletePolicy(retention_duration_seconds=0),
            versioning=StorageBucketVersioning(enabled=True),
            lifecycle_rule=[
                StorageBucketLifecycleRule(
                    action=StorageBucketLifecycleRuleAction(type="Delete"),
                    condition=StorageBucketLifecycleRuleCondition(days_since_noncurrent_time=7, with_state="ARCHIVED"),
                )
            ],
        )

    def add_archive(self, id: str, path: Path) -> StorageBucketObject:
        asset = TerraformAsset(self, f"{id}Asset", path=str(Path(path).resolve()), type=AssetType.ARCHIVE)
        return StorageBucketObject(
            self,
            f"{id}Object",
            bucket=self.bucket.name,
            name=f"{id.lower()}-{asset.asset_hash}.zip",
            source=asset.path,
            content_type="application/zip",
        )
