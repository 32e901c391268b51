"""AWS L1: each device's certificate and key, from Secrets Manager to the simulator's folder.

The certificate custom resource (constructs_lib/aws/l1_device_certificates_handler) keeps the key
in the secret `<twin>/devices/<device>/credentials` only, as JSON with `certificate_pem` and
`private_key`. This step copies both to `iot_devices_auth/<device>/` (0600) and records the
account's `iot:Data-ATS` endpoint, whose server certificate chains to Amazon Root CA 1 in the
system trust store. Re-running rewrites nothing unless a certificate was reissued.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from twin_model.config.model import ProjectConfig, Provider
from twin_model.topology import Topology, TwinStack
from twin_ops.post_deploy import LocalTwin, PostDeployRequest
from twin_ops.post_deploy.auth_files import prepare_auth_dir, write_file, write_simulator_config
from twin_ops.simulator.config import DeviceCredentials, MqttBroker, SimulatorConfig, auth_dir
from twin_contract.devices import device_secret_name

CERTIFICATE_FILE = "certificate.pem.crt"
PRIVATE_KEY_FILE = "private.pem.key"


@dataclass(frozen=True)
class CertificatesResult:
    config: SimulatorConfig
    updated: tuple[str, ...]  # devices whose files were (re)written


def download_device_certificates(
    project: Path, twin: str, device_ids: Sequence[str], secrets, iot
) -> CertificatesResult:
    """`secrets`/`iot`: boto3 Secrets Manager and IoT clients (moto in the tests)."""
    folder = prepare_auth_dir(project)
    endpoint = iot.describe_endpoint(endpointType="iot:Data-ATS")["endpointAddress"]
    devices, updated = [], []
    for device_id in device_ids:
        secret = json.loads(secrets.get_secret_value(SecretId=device_secret_name(twin, device_id))["SecretString"])
        certificate = f"{device_id}/{CERTIFICATE_FILE}"
        private_key = f"{device_id}/{PRIVATE_KEY_FILE}"
        changed = [
            write_file(folder / certificate, secret["certificate_pem"]),
            write_file(folder / private_key, secret["private_key"]),
        ]
        if any(changed):
            updated.append(device_id)
        devices.append(DeviceCredentials(device_id, certificate=certificate, private_key=private_key))
    config = SimulatorConfig(Provider.AWS, twin, tuple(devices), mqtt=MqttBroker(endpoint))
    write_simulator_config(project, config)
    return CertificatesResult(config, tuple(updated))


def run(request: PostDeployRequest, config: ProjectConfig, topology: Topology) -> str:
    """The step against the real clouds: its clients built here, its result line returned."""
    import boto3

    region = request.aws_region
    session = boto3.Session(region_name=region)
    result = download_device_certificates(
        request.project, config.name, [d.id for d in config.devices],
        session.client("secretsmanager"), session.client("iot"),
    )
    return (
        f"{len(config.devices)} device certificates in {auth_dir(request.project)} "
        f"({len(result.updated)} written), endpoint {result.config.mqtt.host}"
    )


def run_locally(local: LocalTwin, stack: TwinStack) -> None:
    """Nothing: `make local`'s MQTT broker trusts the run's own CA, whose device certificates the
    run makes itself (twin_ops/local/tls.py)."""
