"""The twin's device list on Google, as data: a private bucket holding one object, `devices.json`.

Google Cloud has no device registry (Cloud IoT Core is retired). The gcp-device-registry step
writes the project's device ids here after each deploy; the feedback path reads them to tell a
known device from an unknown one (docs/design.md §7a). A bucket, not a resource per device:
the stack is the same for any fleet size.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktn_provider_google.storage_bucket import StorageBucket, StorageBucketVersioning
from constructs import Construct

from constructs_lib.gcp.grants import grant_bucket

OBJECT_VIEWER = "roles/storage.objectViewer"


@dataclass(frozen=True)
class DeviceRegistryProps:
    bucket_name: str
    location: str
    readers: tuple[str, ...] = ()  # IAM members that read the device list
    debug: bool = False


class DeviceRegistry(Construct):
    """Exposes `bucket` and `name`."""

    def __init__(self, scope: Construct, id: str, props: DeviceRegistryProps) -> None:
        super().__init__(scope, id)
        self.bucket = StorageBucket(
            self,
            "Bucket",
            name=props.bucket_name,
            location=props.location,
            storage_class="STANDARD",
            uniform_bucket_level_access=True,
            public_access_prevention="enforced",
            versioning=StorageBucketVersioning(enabled=True),  # an earlier device list stays recoverable
            force_destroy=props.debug,
        )
        self.name = self.bucket.name
        for index, member in enumerate(props.readers):
            grant_bucket(self, f"Reader{index}", bucket=self.bucket.name, role=OBJECT_VIEWER, member=member)
