"""Every device's identity, spread over nested stacks, with one shared certificate provider.

Shard assignment: a device goes to slot `sha256(device_id) mod SHARD_SLOTS`, and every non-empty
slot is one nested stack (`DeviceShard<slot>`). The slot count is fixed, so adding or removing a
device never moves another one: no identity is ever recreated because the fleet grew (thing and
policy names are fixed, so a move would need a two-step deploy). The price is many small shards
for small fleets. With 128 slots and at most MAX_DEVICES_PER_SHARD devices per slot (90 × 5
resources = 450), a fleet of about 7,000 devices fits; a fleet whose hashing overfills a slot is
refused at synth with a clear error. Sorted chunks were rejected: inserting one id would shift
every later device."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from constructs import Construct

from constructs_lib.aws.l1_device_certificate_provider import (
    DeviceCertificateProvider,
    DeviceCertificateProviderProps,
)
from constructs_lib.aws.l1_device_shard import RESOURCES_PER_DEVICE, DeviceShard, DeviceShardProps
from constructs_lib.quota import QuotaExceeded

SHARD_SLOTS = 128
MAX_DEVICES_PER_SHARD = 90
CLOUDFORMATION_RESOURCE_LIMIT = 500
assert MAX_DEVICES_PER_SHARD * RESOURCES_PER_DEVICE < CLOUDFORMATION_RESOURCE_LIMIT


def shard_of(device_id: str) -> int:
    return int.from_bytes(hashlib.sha256(device_id.encode()).digest()[:8], "big") % SHARD_SLOTS


def assign_shards(device_ids: tuple[str, ...]) -> dict[int, tuple[str, ...]]:
    """Device ids per non-empty slot; see the module docstring for the rule."""
    shards: dict[int, list[str]] = {}
    for device_id in sorted(device_ids):
        shards.setdefault(shard_of(device_id), []).append(device_id)
    overfull = {slot: len(ids) for slot, ids in shards.items() if len(ids) > MAX_DEVICES_PER_SHARD}
    if overfull:
        raise QuotaExceeded(
            f"{len(device_ids)} devices overfill device shard(s) {sorted(overfull)} (more than "
            f"{MAX_DEVICES_PER_SHARD} devices each would exceed CloudFormation's resource limit); "
            "split the fleet across twins",
            subject="devices",
        )
    return {slot: tuple(ids) for slot, ids in sorted(shards.items())}


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
            for index, device_ids in assign_shards(props.device_ids).items()
        )
