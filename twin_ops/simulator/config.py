"""`<project>/iot_devices_auth/simulator.json`: where and as whom each device sends telemetry.

Written by the L1 post-deploy step of the cloud that hosts L1, read by the simulator. It holds
no secret itself: credentials are files next to it (mode 0600) referenced by relative path, so the
folder can be moved as a whole and the JSON can be shown or logged safely.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from twin_model.config.model import Provider
from twin_ops.simulator.errors import SimulatorError

AUTH_DIR = "iot_devices_auth"
CONFIG_FILE = "simulator.json"
MQTT_TLS_PORT = 8883


@dataclass(frozen=True)
class MqttBroker:
    """AWS IoT Core's data endpoint or an IoT Hub; `ca_file` None means the system trust store."""

    host: str
    port: int = MQTT_TLS_PORT
    ca_file: str | None = None


@dataclass(frozen=True)
class PubSubTopic:
    topic: str  # projects/<project>/topics/<twin>-telemetry
    publisher_account: str = ""  # the service account devices publish as (its key is made by hand)


@dataclass(frozen=True)
class DeviceCredentials:
    """Paths are relative to the auth folder; which ones are set depends on the cloud."""

    device_id: str
    certificate: str | None = None  # AWS: X.509 client certificate
    private_key: str | None = None  # AWS: its key
    shared_access_key: str | None = None  # Azure: file holding the device's primary key
    feedback_subscription: str | None = None  # Google: projects/<p>/subscriptions/<twin>-device-feedback-<id>


@dataclass(frozen=True)
class SimulatorConfig:
    cloud: Provider
    twin: str
    devices: tuple[DeviceCredentials, ...]
    mqtt: MqttBroker | None = None  # AWS and Azure
    pubsub: PubSubTopic | None = None  # Google

    @property
    def device_ids(self) -> tuple[str, ...]:
        return tuple(device.device_id for device in self.devices)

    def to_json(self) -> dict:
        return {
            "cloud": self.cloud.value,
            "twin": self.twin,
            "mqtt": asdict(self.mqtt) if self.mqtt else None,
            "pubsub": asdict(self.pubsub) if self.pubsub else None,
            "devices": {
                d.device_id: {k: v for k, v in asdict(d).items() if k != "device_id" and v is not None}
                for d in self.devices
            },
        }

    @classmethod
    def from_json(cls, data: dict) -> "SimulatorConfig":
        return cls(
            cloud=Provider(data["cloud"]),
            twin=data["twin"],
            devices=tuple(DeviceCredentials(device_id, **fields) for device_id, fields in data["devices"].items()),
            mqtt=MqttBroker(**data["mqtt"]) if data.get("mqtt") else None,
            pubsub=PubSubTopic(**data["pubsub"]) if data.get("pubsub") else None,
        )


def auth_dir(project: Path) -> Path:
    return Path(project) / AUTH_DIR


class SimulatorNotConfiguredError(SimulatorError):
    pass


def read_config(project: Path) -> SimulatorConfig:
    """The file as the post-deploy step wrote it; anything else is refused with the reason (the folder
    may come from anyone: its credential files stay inside it)."""
    path = auth_dir(project) / CONFIG_FILE
    if not path.is_file():
        raise SimulatorNotConfiguredError(
            f"{path} is missing: deploy the twin first (`python -m twin_ops deploy --project {project}`), "
            "whose L1 post-deploy step writes it"
        )
    rewrite = "run the L1 post-deploy step again to rewrite it"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise SimulatorNotConfiguredError(f"{path} is not JSON ({error}): {rewrite}") from None
    try:
        config = SimulatorConfig.from_json(data)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise SimulatorNotConfiguredError(f"{path} is not the simulator's file ({type(error).__name__}: {error}): "
                                          f"{rewrite}") from None
    _check(config, path, rewrite)
    return config


def _check(config: SimulatorConfig, path: Path, rewrite: str) -> None:
    broker = config.mqtt
    if broker is not None and (not isinstance(broker.host, str) or not broker.host
                               or not isinstance(broker.port, int) or not 0 < broker.port < 65536):
        raise SimulatorNotConfiguredError(f"{path}: mqtt needs a host name and a port of 1-65535: {rewrite}")
    files = [broker.ca_file] if broker is not None else []
    for device in config.devices:
        files += [device.certificate, device.private_key, device.shared_access_key]
    for name in files:
        if name is None:
            continue
        if not isinstance(name, str) or not name or Path(name).is_absolute() or ".." in Path(name).parts:
            raise SimulatorNotConfiguredError(f"{path}: {name!r} is not a file name inside {AUTH_DIR}/: {rewrite}")
