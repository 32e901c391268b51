"""How a device is addressed on AWS IoT Core, by the L1 stack, the feedback function and the simulator."""

from __future__ import annotations


def client_id(twin_name: str, device_id: str) -> str:
    """The device's MQTT client id, also its thing and policy name: the twin prefix keeps two twins
    in one account from taking over each other's sessions when device ids repeat."""
    return f"{twin_name}-{device_id}"


def telemetry_topic(twin_name: str, device_id: str) -> str:
    return f"dt/{twin_name}/{device_id}/telemetry"


def feedback_topic(twin_name: str, device_id: str) -> str:
    return f"dt/{twin_name}/{device_id}/feedback"


def device_secret_name(twin_name: str, device_id: str) -> str:
    """Secrets Manager name of a device's certificate and private key (written by the L1 stack's
    certificate handler, read by the post-deploy step)."""
    return f"{twin_name}/devices/{device_id}/credentials"
