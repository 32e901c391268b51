"""Each MQTT cloud's device contract, as an MqttSession for one device.

AWS IoT Core: client id `<twin>-<device>` (the thing name), X.509 client certificate,
`dt/<twin>/<device>/telemetry` and `.../feedback` (the topics the fleet policy allows each device, constructs_lib/aws/l1_device_fleet).
Azure IoT Hub (MQTT directly, no azure-iot-device: its 2.x line pins paho-mqtt < 2): username
`<hub>/<device>/?api-version=…`, a SAS token as password, telemetry on `devices/<id>/messages/events/`
with content type and encoding in the topic's property bag (else Event Grid delivers the body
Base64-encoded), feedback as the device twin's desired property `feedback` (runtime/azure/functions/feedback.py).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from twin_ops.simulator.azure_sas import sas_token
from twin_ops.simulator.config import DeviceCredentials, SimulatorConfig
from twin_ops.simulator.mqtt_link import MqttSession
from twin_contract.devices import client_id, feedback_topic, telemetry_topic

IOT_HUB_API_VERSION = "2021-04-12"
IOT_HUB_JSON_PROPERTIES = "$.ct=application%2Fjson&$.ce=utf-8"
IOT_HUB_DESIRED_PATCHES = "$iothub/twin/PATCH/properties/desired/#"
SAS_LIFETIME_SECONDS = 3600


# A device's first connection provisions it (JITP) and is dropped; IoT Core needs a moment before the next.
JITP_RECONNECT_WAITS = (2.0, 5.0, 10.0)


def aws_session(config: SimulatorConfig, device: DeviceCredentials, auth_dir: Path) -> MqttSession:
    broker = config.mqtt
    return MqttSession(
        device_id=device.device_id,
        host=broker.host,
        port=broker.port,
        client_id=client_id(config.twin, device.device_id),
        telemetry_topic=telemetry_topic(config.twin, device.device_id),
        feedback_topic=feedback_topic(config.twin, device.device_id),
        ca_file=_optional(auth_dir, broker.ca_file),
        certificate=str(auth_dir / device.certificate),
        private_key=str(auth_dir / device.private_key),
        reconnect_waits=JITP_RECONNECT_WAITS,
    )


def azure_session(
    config: SimulatorConfig, device: DeviceCredentials, auth_dir: Path, now: float | None = None
) -> MqttSession:
    broker, device_id = config.mqtt, device.device_id
    key = (auth_dir / device.shared_access_key).read_text(encoding="utf-8").strip()
    expires_at = int(time.time() if now is None else now) + SAS_LIFETIME_SECONDS
    return MqttSession(
        device_id=device_id,
        host=broker.host,
        port=broker.port,
        client_id=device_id,
        telemetry_topic=f"devices/{device_id}/messages/events/{IOT_HUB_JSON_PROPERTIES}",
        feedback_topic=IOT_HUB_DESIRED_PATCHES,
        ca_file=_optional(auth_dir, broker.ca_file),
        username=f"{broker.host}/{device_id}/?api-version={IOT_HUB_API_VERSION}",
        password=sas_token(f"{broker.host}/devices/{device_id}", key, expires_at),
        feedback_text=desired_feedback,
    )


def desired_feedback(payload: bytes) -> str:
    """The `feedback` member of a desired-properties patch (the whole patch if it has none)."""
    patch = json.loads(payload)
    return json.dumps(patch.get("feedback", patch) if isinstance(patch, dict) else patch)


def _optional(folder: Path, relative: str | None) -> str | None:
    return str(folder / relative) if relative else None
