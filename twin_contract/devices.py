"""How a device is addressed on AWS IoT Core, by the L1 stack, the onboarding step, the feedback
function and the simulator.

Devices are data (docs/design.md §7a): the L1 stack holds one policy, one thing group and one
just-in-time provisioning template for the whole fleet, whatever its size. A device's certificate,
signed by the twin's CA, carries its id as subject common name; on its first connection IoT Core
provisions the thing `<twin>-<device>` with the attribute `device_id` and attaches the fleet
policy, whose policy variables confine the device to its own client id and topics.
"""

from __future__ import annotations

DEVICE_ID_ATTRIBUTE = "device_id"  # thing attribute the fleet policy's variables read
THING_NAME_VARIABLE = "${iot:Connection.Thing.ThingName}"
DEVICE_ID_VARIABLE = f"${{iot:Connection.Thing.Attributes[{DEVICE_ID_ATTRIBUTE}]}}"
MAX_COMMON_NAME = 64  # X.509 (RFC 5280 ub-common-name): a device id with L1 on AWS is at most this long


def client_id(twin_name: str, device_id: str) -> str:
    """The device's MQTT client id, also its thing name: the twin prefix keeps two twins in one
    account from taking over each other's sessions when device ids repeat."""
    return f"{twin_name}-{device_id}"


def device_of_thing(twin_name: str, thing_name: str) -> str | None:
    """The device id of one of the twin's things, None for a thing of another twin."""
    prefix = f"{twin_name}-"
    return thing_name[len(prefix):] if thing_name.startswith(prefix) and len(thing_name) > len(prefix) else None


def telemetry_topic(twin_name: str, device_id: str) -> str:
    return f"dt/{twin_name}/{device_id}/telemetry"


def feedback_topic(twin_name: str, device_id: str) -> str:
    return f"dt/{twin_name}/{device_id}/feedback"


def fleet_policy_name(twin_name: str) -> str:
    """The one IoT policy of every device of the twin."""
    return f"{twin_name}-devices"


def thing_group_name(twin_name: str) -> str:
    """The thing group provisioning puts every device of the twin in (status and removals list it)."""
    return f"{twin_name}-devices"


def provisioning_template_name(twin_name: str) -> str:
    """The JITP template the twin's CA names (at most 36 characters: twin names are at most 30)."""
    return f"{twin_name}-jitp"


def provisioning_role_name(twin_name: str) -> str:
    return f"{twin_name}-device-provisioning"


def ca_secret_name(twin_name: str) -> str:
    """Secrets Manager name of the twin's device CA (certificate, private key, IoT certificate id):
    made empty by the L1 stack, filled by the onboarding step, so the key is in no template."""
    return f"{twin_name}/devices/ca"
