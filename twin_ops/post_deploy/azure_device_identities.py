"""Azure L1: register every device of the project in IoT Hub, keep its key for the simulator.

Device identities are IoT Hub data-plane objects (no azurerm resource), so the L1 stack writes
`iot/devices.json` and this step creates each missing identity with a symmetric key that the hub
generates (`auth_method: shared_private_key`). Existing identities are left as they are (their
keys keep working); identities of devices removed from the project are not deleted. The deployer
needs the "IoT Hub Registry Contributor" role on the hub.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from twin_model.config.model import Layer, ProjectConfig, Provider
from twin_model.topology import Topology, TwinStack
from twin_ops.post_deploy import LocalTwin, PostDeployError, PostDeployRequest
from twin_ops.post_deploy.auth_files import prepare_auth_dir, write_file, write_simulator_config
from twin_ops.post_deploy.azure_data_plane import IOT_HUB_SCOPE, AzureDataPlane, EntraTokens, resource_path
from twin_ops.simulator.config import DeviceCredentials, MqttBroker, SimulatorConfig, auth_dir

REGISTRY_API_VERSION = "2021-04-12"
IOT_HUB_DNS_SUFFIX = "azure-devices.net"  # Azure public cloud
KEY_FILE = "shared_access_key"
DEVICES_MANIFEST = Path("iot") / "devices.json"  # next to the L1 stack's cdk.tf.json


class DeviceRegistry(Protocol):
    def get_device(self, device_id: str) -> dict | None: ...

    def create_device(self, device_id: str) -> dict: ...


class IotHubRegistry:
    """The registry calls of IoT Hub's service REST API."""

    def __init__(self, plane: AzureDataPlane) -> None:
        self._plane = plane

    def get_device(self, device_id: str) -> dict | None:
        status, device = self._plane.call("GET", resource_path(REGISTRY_API_VERSION, "devices", device_id), allow=(404,))
        return None if status == 404 else device

    def create_device(self, device_id: str) -> dict:
        """A new identity with hub-generated keys; a concurrent creation is read back, not an error."""
        identity = {
            "deviceId": device_id,
            "status": "enabled",
            "authentication": {"type": "sas", "symmetricKey": {"primaryKey": None, "secondaryKey": None}},
            "capabilities": {"iotEdge": False},
        }
        status, device = self._plane.call("PUT", resource_path(REGISTRY_API_VERSION, "devices", device_id), identity, allow=(409, 412))
        return device if status < 300 else self.get_device(device_id)


@dataclass(frozen=True)
class RegistrationResult:
    config: SimulatorConfig
    created: tuple[str, ...]
    existing: tuple[str, ...]


class DeviceKeyError(PostDeployError):
    pass


def hub_host(manifest: dict) -> str:
    return f"{manifest['iot_hub_name']}.{IOT_HUB_DNS_SUFFIX}"


def read_manifest(stack_dir: Path) -> dict:
    return json.loads((stack_dir / DEVICES_MANIFEST).read_text(encoding="utf-8"))


def register_devices(project: Path, twin: str, manifest: dict, registry: DeviceRegistry) -> RegistrationResult:
    folder = prepare_auth_dir(project)
    devices, created, existing = [], [], []
    for entry in manifest["devices"]:
        device_id = entry["device_id"]
        device = registry.get_device(device_id)
        if device is None:
            device = registry.create_device(device_id)
            created.append(device_id)
        else:
            existing.append(device_id)
        key_file = f"{device_id}/{KEY_FILE}"
        write_file(folder / key_file, _primary_key(device_id, device))
        devices.append(DeviceCredentials(device_id, shared_access_key=key_file))
    config = SimulatorConfig(Provider.AZURE, twin, tuple(devices), mqtt=MqttBroker(hub_host(manifest)))
    write_simulator_config(project, config)
    return RegistrationResult(config, tuple(created), tuple(existing))


def _primary_key(device_id: str, device: dict) -> str:
    authentication = device.get("authentication") or {}
    key = (authentication.get("symmetricKey") or {}).get("primaryKey")
    if not key:
        raise DeviceKeyError(
            f"IoT Hub device {device_id!r} has authentication type {authentication.get('type')!r} without a "
            "symmetric key; the simulator needs one (delete the identity to let this step recreate it)"
        )
    return key


def run(request: PostDeployRequest, config: ProjectConfig, topology: Topology) -> str:
    """The step against the real clouds: its clients built here, its result line returned."""
    manifest = read_manifest(request.stack_dir(topology, Layer.L1))
    registry = IotHubRegistry(AzureDataPlane(hub_host(manifest), IOT_HUB_SCOPE, EntraTokens()))
    result = register_devices(request.project, config.name, manifest, registry)
    return (
        f"IoT Hub {hub_host(manifest)}: {len(result.created)} devices registered, {len(result.existing)} already there; "
        f"keys in {auth_dir(request.project)}"
    )


def run_locally(local: LocalTwin, stack: TwinStack) -> None:
    """The devices of the L1 stack's manifest become the IoT Hub stand-in's identities: until
    then it refuses a device, as IoT Hub refuses one that was never registered."""
    local.platform.iot_hub.devices = {entry["device_id"] for entry in read_manifest(local.stack_dir(stack.name))["devices"]}
