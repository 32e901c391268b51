"""Every device's identity, spread over nested stacks, with one shared certificate provider.

Shard assignment: a device goes to shard `sha256(device_id) mod shard_count`, where `shard_count`
is the smallest power of two giving about TARGET_DEVICES_PER_SHARD devices per shard (doubled
again if a shard would exceed MAX_DEVICES_PER_SHARD). Adding or removing a device never moves
another one, except when the fleet crosses a power of two: then each shard i splits into i and
i + old_count and about half of the devices move once. A moved device's identity is recreated in
its new shard (new certificate); since thing and policy names are fixed, such a growth step must
be deployed in two steps (remove the moving devices, then add them back). Sorted chunks were
rejected: inserting one id would shift every later device."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from constructs import Construct

from constructs_lib.aws.l1_device_certificate_provider import (
    DeviceCertificateProvider,
    DeviceCertificateProviderProps,
)
from constructs_lib.aws.l1_device_shard import RESOURCES_PER_DEVICE, DeviceShard, DeviceShardProps

TARGET_DEVICES_PER_SHARD = 50
MAX_DEVICES_PER_SHARD = 90
CLOUDFORMATION_RESOURCE_LIMIT = 500
assert MAX_DEVICES_PER_SHARD * RESOURCES_PER_DEVICE < CLOUDFORMATION_RESOURCE_LIMIT


def shard_of(device_id: str, shard_count: int) -> int:
    return int.from_bytes(hashlib.sha256(device_id.encode()).digest()[:8], "big") % shard_count


def assign_shards(device_ids: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """Device ids per shard (index = shard number); see the module docstring for the rule."""
    shard_count = 1 << max(0, math.ceil(math.log2(max(1, math.ceil(len(device_ids) / TARGET_DEVICES_PER_SHARD)))))
    while True:
        shards: list[list[str]] = [[] for _ in range(shard_count)]
        for device_id in sorted(device_ids):
            shards[shard_of(device_id, shard_count)].append(device_id)
        if max(len(shard) for shard in shards) <= MAX_DEVICES_PER_SHARD:
            return tuple(tuple(shard) for shard in shards)
        shard_count *= 2


@dataclass(frozen=True)
class DeviceFleetProps:
    twin_name: str
    device_ids: tuple[str, ...]
    debug: bool = False


class DeviceFleet(Construct):
    """Exposes `certificate_provider` and `shards` (one DeviceShard per non-empty shard)."""

    def __init__(self, scope: Construct, id: str, props: DeviceFleetProps) -> None:
        super().__init__(scope, id)
        self.certificate_provider = DeviceCertificateProvider(
            self, "Certificates", DeviceCertificateProviderProps(props.twin_name, props.debug)
        )
        self.shards = tuple(
            DeviceShard(
                self,
                f"DeviceShard{index}",
                DeviceShardProps(props.twin_name, device_ids, self.certificate_provider.service_token),
            )
            for index, device_ids in enumerate(assign_shards(props.device_ids))
            if device_ids
        )
