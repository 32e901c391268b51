"""A nested stack holding the identities of a slice of the fleet.

CloudFormation allows 500 resources per stack and a device identity takes five, so thousands of
devices are spread over nested stacks (see l1_device_fleet for the assignment).
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import NestedStack
from constructs import Construct

from constructs_lib.aws.l1_device_identity import DeviceIdentity, DeviceIdentityProps, iot_arn_prefix

RESOURCES_PER_DEVICE = 5  # thing, policy, certificate, two attachments


@dataclass(frozen=True)
class DeviceShardProps:
    twin_name: str
    device_ids: tuple[str, ...]
    certificate_service_token: str


class DeviceShard(NestedStack):
    """Exposes `identities` (device id → DeviceIdentity)."""

    def __init__(self, scope: Construct, id: str, props: DeviceShardProps) -> None:
        super().__init__(scope, id, description=f"Digital twin {props.twin_name}: device identities ({id})")
        arn_prefix = iot_arn_prefix(self)
        self.identities = {
            device_id: DeviceIdentity(
                self,
                f"Device{_logical_suffix(device_id)}",
                DeviceIdentityProps(props.twin_name, device_id, props.certificate_service_token, arn_prefix),
            )
            for device_id in props.device_ids
        }


def _logical_suffix(device_id: str) -> str:
    """`press-01` → `Press01`: readable construct ids; CDK appends a hash that keeps them unique."""
    return "".join(part[:1].upper() + part[1:] for part in device_id.replace("_", "-").split("-"))
